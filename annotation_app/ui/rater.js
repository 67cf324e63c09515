// The rater page's listening check (loaded into <head> by annotation_app/ui/rater_app.py).
//
// - shows the stage the server named: copies the page mark's data-humans-page to <body> (rater.css shows that
//   page's column only) and sets data-humans-notice="1" while the notice has text;
// - logs play / pause / ended / seeked of every trial player (side, turn, media time, client time);
// - plays the next turn of a conversation when one ends, and pauses the other players when one starts;
// - keeps the answer controls (#humans-vote) inert until every player of the trial has played to its end
//   (with at least data-min-played of its duration really played, not skipped), unless data-require-full="0";
// - hands the log and the client's UTC offset to the submit call (window.humans.collect);
// - on the done page, follows data-redirect after data-delay seconds and copies the code (button);
// - scrolls to the top when the next trial arrives, and says so when a clip cannot be loaded;
// - "Play conversation" buttons play a side from its first turn (the turns then follow each other);
// - keys: 1..N choose the N-th answer, Ctrl+Enter (or Cmd+Enter) submits, while the answers are unlocked;
// - marks Gradio's text elements dir="auto" so right-to-left texts display correctly.
// Every word it shows comes from data-text-* attributes the server wrote from the study's ui_text table.
// The server checks the vote again (time since the trial was shown); this script is for the rater's benefit.
(() => {
  if (window.humans) return;
  const state = { token: null, events: [], heard: new Set(), redirectTimer: null, scheduled: false };

  const trialRoot = () => document.getElementById("humans-trial");
  const players = () => {
    const root = trialRoot();
    return root ? Array.from(root.querySelectorAll("audio[data-side]")) : [];
  };
  const keyOf = (audio) => `${audio.dataset.side}:${audio.dataset.turn}`;
  const storageKey = (token) => `humans-heard-${token}`;

  function playedSeconds(audio) {
    let total = 0;
    for (let i = 0; i < audio.played.length; i++) total += audio.played.end(i) - audio.played.start(i);
    return total;
  }

  function duration(audio) {
    if (Number.isFinite(audio.duration) && audio.duration > 0) return audio.duration;
    return parseFloat(audio.dataset.duration || "0") || 0;
  }

  function loadHeard(token) {
    try {
      return new Set(JSON.parse(sessionStorage.getItem(storageKey(token)) || "[]"));
    } catch (err) {
      return new Set();
    }
  }

  function saveHeard() {
    try {
      sessionStorage.setItem(storageKey(state.token), JSON.stringify(Array.from(state.heard)));
    } catch (err) {
      // storage unavailable (private mode): the rater listens again after a reload
    }
  }

  function isLocked() {
    const root = trialRoot();
    if (!root || root.dataset.requireFull === "0") return false;
    const list = players();
    return list.length === 0 || list.some((audio) => !state.heard.has(keyOf(audio)));
  }

  function setText(element, text) {
    if (element && element.textContent !== text) element.textContent = text;
  }

  function setBodyData(key, value) {
    if (document.body.dataset[key] !== value) document.body.dataset[key] = value;
  }

  function showPage() {
    const mark = document.querySelector("#humans-stage [data-humans-page]");
    setBodyData("humansPage", mark ? mark.dataset.humansPage : "");
    // the text Gradio rendered, not its status tracker beside it (which shows "0.1s" while an event runs)
    const notice = document.querySelector('#humans-notice [data-testid="markdown"]') ||
      document.getElementById("humans-notice");
    setBodyData("humansNotice", notice && notice.textContent.trim() ? "1" : "0");
  }

  function sync() {
    state.scheduled = false;
    showPage();
    const root = trialRoot();
    const token = root ? root.dataset.token : null;
    if (token !== state.token) {
      if (state.token && token) window.scrollTo({ top: 0, behavior: "smooth" }); // the next trial starts at the top
      state.token = token;
      state.events = [];
      state.heard = token ? loadHeard(token) : new Set();
    }
    const locked = isLocked();
    setBodyData("humansLocked", locked ? "1" : "0");
    const vote = document.getElementById("humans-vote");
    if (vote && vote.inert !== locked) {
      vote.inert = locked;
      vote.setAttribute("aria-disabled", locked ? "true" : "false");
    }
    if (root) {
      for (const status of root.querySelectorAll("[data-status-for]")) {
        const side = status.dataset.statusFor;
        const list = players().filter((audio) => audio.dataset.side === side);
        const heard = list.filter((audio) => state.heard.has(keyOf(audio))).length;
        // keeps the "could not be loaded" message (a failed src, or every <source> failed)
        if (list.some((audio) => audio.error || audio.networkState === HTMLMediaElement.NETWORK_NO_SOURCE)) continue;
        const some = (root.dataset.textSome || "{heard} / {total}")
          .replace("{heard}", String(heard))
          .replace("{total}", String(list.length));
        setText(status, heard === list.length ? root.dataset.textHeard || "✓" : some);
        status.classList.toggle("humans-heard", heard === list.length);
      }
    }
    followRedirect();
    markDirection();
  }

  // Gradio renders labels, buttons and Markdown without a direction: let the browser pick it per element.
  const DIR_SELECTOR = ".gradio-container .prose, .gradio-container label span, .gradio-container button, " +
    ".gradio-container [data-testid='block-info'], .gradio-container textarea, .gradio-container input[type='text']";
  function markDirection() {
    for (const el of document.querySelectorAll(DIR_SELECTOR)) if (!el.hasAttribute("dir")) el.setAttribute("dir", "auto");
  }

  function playSide(side) {
    const root = trialRoot();
    if (!root) return;
    for (const audio of players()) if (!audio.paused) audio.pause();
    const first = root.querySelector(`audio[data-side="${side}"][data-turn="0"]`);
    if (!first) return;
    first.currentTime = 0;
    first.play().catch(() => {});
  }

  function copyCode(button) {
    const code = button.dataset.copy || "";
    const done = () => {
      button.textContent = button.dataset.copied || "✓";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code).then(done, () => selectCode());
    } else {
      selectCode();
      try {
        if (document.execCommand("copy")) done();
      } catch (err) {
        // the code stays selected: the rater copies it by hand
      }
    }
  }

  function selectCode() {
    const element = document.getElementById("humans-code");
    if (!element) return;
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function onClick(event) {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const play = target.closest("[data-play-side]");
    if (play) playSide(play.dataset.playSide);
    const copy = target.closest(".humans-copy");
    if (copy) copyCode(copy);
  }

  function answerGroup() {
    for (const id of ["humans-preference", "humans-likert-left"]) {
      const group = document.getElementById(id);
      if (group && group.getClientRects().length) return group;
    }
    return null;
  }

  function onKey(event) {
    if (!trialRoot() || isLocked()) return;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      const submit = document.getElementById("humans-submit");
      if (submit) {
        event.preventDefault();
        submit.click();
      }
      return;
    }
    const typing = event.target instanceof Element && event.target.closest("textarea, input[type='text']");
    if (typing || event.ctrlKey || event.metaKey || event.altKey || !/^[1-9]$/.test(event.key)) return;
    const group = answerGroup();
    const inputs = group ? group.querySelectorAll("input[type='radio']") : [];
    const input = inputs[parseInt(event.key, 10) - 1];
    if (input) {
      event.preventDefault();
      input.click();
    }
  }

  function schedule() {
    if (!state.scheduled) {
      state.scheduled = true;
      requestAnimationFrame(sync);
    }
  }

  function followRedirect() {
    const done = document.getElementById("humans-done");
    if (!done || !done.dataset.redirect || state.redirectTimer) return;
    let left = parseInt(done.dataset.delay || "5", 10);
    state.redirectTimer = setInterval(() => {
      left -= 1;
      const counter = document.querySelector("#humans-done .humans-countdown");
      if (counter) counter.textContent = String(Math.max(left, 0));
      if (left <= 0) {
        clearInterval(state.redirectTimer);
        window.location.assign(done.dataset.redirect);
      }
    }, 1000);
  }

  function onMedia(event) {
    let audio = event.target;
    // with <source> children the error fires on each failed <source>; the last one failing means no clip at all
    if (event.type === "error" && audio instanceof HTMLSourceElement && !audio.nextElementSibling) {
      audio = audio.parentElement;
    }
    if (!(audio instanceof HTMLAudioElement) || !audio.dataset.side) return;
    const root = trialRoot();
    if (!root || !root.contains(audio)) return;
    if (event.type === "error") {
      const status = root.querySelector(`[data-status-for="${audio.dataset.side}"]`);
      if (status) status.textContent = root.dataset.textError || "⚠";
      return;
    }
    state.events.push({
      side: audio.dataset.side,
      turn: parseInt(audio.dataset.turn, 10),
      kind: event.type,
      t: Math.round(audio.currentTime * 1000) / 1000,
      ms: Date.now(),
    });
    if (event.type === "play") {
      for (const other of players()) if (other !== audio && !other.paused) other.pause();
    } else if (event.type === "ended") {
      const fraction = parseFloat(root.dataset.minPlayed || "0.9");
      if (playedSeconds(audio) >= fraction * duration(audio) - 0.05) {
        state.heard.add(keyOf(audio));
        saveHeard();
      }
      const next = root.querySelector(
        `audio[data-side="${audio.dataset.side}"][data-turn="${parseInt(audio.dataset.turn, 10) + 1}"]`,
      );
      if (next) next.play().catch(() => {});
    }
    schedule();
  }

  window.humans = {
    // Gradio passes the submit inputs in order; the last two are replaced by the event log and the UTC offset.
    collect(...args) {
      const out = args.slice();
      out[out.length - 2] = JSON.stringify(state.events);
      out[out.length - 1] = String(-new Date().getTimezoneOffset());
      return out;
    },
    locked: isLocked,
    events: () => state.events.slice(),
    sync,
  };

  for (const kind of ["play", "pause", "ended", "seeked", "error"]) document.addEventListener(kind, onMedia, true);
  document.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
  const start = () => {
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, characterData: true });
    schedule();
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
