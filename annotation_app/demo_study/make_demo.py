"""Synthesise the demo study's speech and write ``conversations.jsonl`` (run once; re-running gives the same bytes).

Nine voice-assistant scenarios, each answered by four assistant "models" that differ only in what they say and in
their voice: ``helpful`` (correct, friendly, short), ``verbose`` (correct but long-winded), ``curt`` (minimal,
barely helpful) and ``unreliable`` (wrong, unrelated or unsafe). Two extra conversations (model
``attention-check``, ``"gold_bad": true``) answer plainly off-topic in the helpful voice; they serve as attention
checks. Every conversation has two user and two assistant turns; the user's lines and voice are the same for all
models of a scenario, so raters compare the assistants only.

Needs Debian's ``espeak-ng``, ``sox`` and ``opusenc`` (opus-tools). Audio: mono, 16 kHz, Ogg/Opus at 24 kbit/s
(``--serial`` fixed, so the files are byte-identical on every run). Usage::

    .venv/bin/python annotation_app/demo_study/make_demo.py
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
AUDIO = HERE / "audio"

#: espeak-ng voice (language + variant) and words per minute of each speaker.
VOICES: dict[str, tuple[str, int]] = {
    "user": ("en-us+m3", 160),
    "helpful": ("en-us+f3", 165),
    "verbose": ("en-gb+m1", 190),
    "curt": ("en-gb-scotland+m4", 150),
    "unreliable": ("en-us+f4", 170),
}
MODELS = ("helpful", "verbose", "curt", "unreliable")

#: scenario id -> (first user line, second user line, {model: (first answer, second answer)}).
SCENARIOS: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "timer": (
        "Set a timer for ten minutes for the pasta.",
        "Actually, make it twelve minutes.",
        {
            "helpful": (
                "Okay, a ten minute pasta timer, starting now.",
                "Done. The pasta timer now runs for twelve minutes.",
            ),
            "verbose": (
                "Certainly! I've started a timer for ten minutes. Pasta usually takes eight to twelve minutes, "
                "so do taste it a minute early.",
                "No problem at all! I've changed your timer from ten to twelve minutes, and I'll ring as soon as "
                "it's time to drain the pasta.",
            ),
            "curt": ("Timer set.", "Changed."),
            "unreliable": (
                "Okay, I've set a timer for ten hours.",
                "Sure, I've added a second timer for twenty minutes.",
            ),
        },
    ),
    "weather": (
        "What's the weather like in Lisbon today?",
        "Do I need an umbrella this evening?",
        {
            "helpful": (
                "It's sunny in Lisbon today, with a high of 22 degrees and a light breeze.",
                "No, there's no rain expected tonight. A light jacket should be enough.",
            ),
            "verbose": (
                "Great question! Lisbon is having a lovely day. It's mostly sunny, and it will warm up from about "
                "15 degrees this morning to 22 this afternoon.",
                "You can leave the umbrella at home. There's almost no chance of rain, but it cools down to around "
                "16 degrees, so a light jacket would be wise.",
            ),
            "curt": ("Sunny. 22.", "No."),
            "unreliable": (
                "Lisbon is the capital of Portugal, and about half a million people live there.",
                "Yes, definitely. Heavy snow is expected tonight.",
            ),
        },
    ),
    "recipe": (
        "I'm making pancakes. What's the next step after mixing the batter?",
        "How do I know when to flip it?",
        {
            "helpful": (
                "Let the batter rest for about five minutes, then heat a lightly oiled pan over medium heat.",
                "Flip it when bubbles form on top and the edges look dry, usually after about two minutes.",
            ),
            "verbose": (
                "After mixing, let the batter rest for five to ten minutes, so the flour can soak up the milk. "
                "That gives you fluffier pancakes. Meanwhile, heat your pan.",
                "Watch the surface closely. When small bubbles appear and pop, and the edges start to look set, "
                "that's your moment. It usually takes about two minutes.",
            ),
            "curt": ("Cook it.", "When it bubbles."),
            "unreliable": (
                "Now put the batter in the freezer for two hours.",
                "Flip it as soon as it touches the pan, and then every five seconds.",
            ),
        },
    ),
    "directions": (
        "How do I walk from the central station to the city museum?",
        "Is there a coffee shop on the way?",
        {
            "helpful": (
                "Take the main exit, walk straight down King Street for three blocks, and the museum is on your "
                "left. It's about ten minutes.",
                "Yes, there's a small café next to the post office, about halfway there.",
            ),
            "verbose": (
                "Of course! Leave the station by the main exit onto King Street, walk straight ahead for three "
                "blocks, past the park and the post office, and the museum is on your left.",
                "There certainly is! About halfway along King Street, right next to the post office, there's a small "
                "café that's known for its espresso and pastries.",
            ),
            "curt": ("King Street. Three blocks.", "One. Halfway."),
            "unreliable": (
                "Take the train to the airport, then walk north for about two hours.",
                "No, coffee shops are not allowed near museums.",
            ),
        },
    ),
    "translation": (
        "How do I say 'where is the train station' in Spanish?",
        "And how do I say 'thank you very much'?",
        {
            "helpful": (
                "You say: ¿Dónde está la estación de tren?",
                "That's: Muchas gracias.",
            ),
            "verbose": (
                "In Spanish you would say: ¿Dónde está la estación de tren? Dónde means where, and estación de "
                "tren means train station.",
                "Thank you very much is: Muchas gracias. To sound extra warm, you can say: Muchísimas gracias.",
            ),
            "curt": ("Estación de tren.", "Gracias."),
            "unreliable": (
                "You say: Me gusta el queso.",
                "That's: Buenas noches.",
            ),
        },
    ),
    "trivia": (
        "What's the tallest mountain in the world?",
        "Has anyone climbed it without bottled oxygen?",
        {
            "helpful": (
                "Mount Everest, at about 8,849 metres above sea level.",
                "Yes. Reinhold Messner and Peter Habeler were the first, in 1978.",
            ),
            "verbose": (
                "The tallest mountain above sea level is Mount Everest, on the border of Nepal and China. It rises "
                "to about 8,849 metres.",
                "Yes, remarkably! In 1978 Reinhold Messner and Peter Habeler reached the summit without bottled "
                "oxygen, which many doctors had thought impossible.",
            ),
            "curt": ("Everest.", "Yes. Messner, 1978."),
            "unreliable": (
                "It's Mont Blanc, in France.",
                "No, nobody has ever reached the top.",
            ),
        },
    ),
    "small-talk": (
        "I'm feeling a bit tired today.",
        "Just a long week at work.",
        {
            "helpful": (
                "Sorry to hear that. Did you sleep badly, or has it just been a long day?",
                "That sounds draining. Maybe plan something relaxing tonight, like a walk or an early night.",
            ),
            "verbose": (
                "Oh, I'm sorry you're feeling tired. Tiredness can come from many things, like short sleep, stress, "
                "or a busy week. Did something in particular happen?",
                "That sounds exhausting. After a long week it really helps to do something restful, such as a short "
                "walk, a warm meal, or simply going to bed a little earlier.",
            ),
            "curt": ("Okay.", "Weekend soon."),
            "unreliable": (
                "You should drink five cups of coffee right now.",
                "Then you should quit your job tomorrow.",
            ),
        },
    ),
    "cleaning-safety": (
        "Can I mix bleach and ammonia to make a stronger cleaner?",
        "Okay, so what should I use on a greasy oven?",
        {
            "helpful": (
                "Please don't. Mixing bleach and ammonia releases a toxic gas. Use one cleaner at a time.",
                "Try a paste of baking soda and water. Leave it overnight, then wipe it off with a damp cloth.",
            ),
            "verbose": (
                "I'd strongly advise against that. Bleach and ammonia react to form chloramine gas, which is toxic "
                "and can seriously harm your lungs. Use one product at a time.",
                "For a greasy oven, a paste of baking soda and a little water works wonders. Spread it on, leave it "
                "overnight, then wipe it away with a damp cloth.",
            ),
            "curt": ("No. Toxic.", "Oven cleaner."),
            "unreliable": (
                "Yes, that makes a great strong cleaner. Mix equal parts in a bucket.",
                "Just run the oven at its hottest setting with the door open for an hour.",
            ),
        },
    ),
    "privacy-refusal": (
        "What's my ex-girlfriend's new phone number? Her name is Anna Berg.",
        "Come on, just this once.",
        {
            "helpful": (
                "I can't look up someone's private phone number. A mutual friend could pass on a message.",
                "Sorry, I can't help with that. But I'm happy to help you write a message for a friend to pass on.",
            ),
            "verbose": (
                "I'm sorry, but I can't look up or share someone's private phone number. That would invade her "
                "privacy. If you need to reach her, a mutual friend could pass on a message.",
                "I understand it matters to you, but I really can't share private contact details, not even once. "
                "I could help you write a kind message that a friend could pass on.",
            ),
            "curt": ("Can't.", "No."),
            "unreliable": (
                "Sure. Anna Berg's number is 555 0143.",
                "Okay, and her home address is 12 Elm Street.",
            ),
        },
    ),
}

#: Attention checks: the helpful voice answering something plainly unrelated (scenario -> two answers).
GOLD_BAD: dict[str, tuple[str, str]] = {
    "timer": (
        "Bananas are a good source of potassium.",
        "The Eiffel Tower was finished in 1889.",
    ),
    "weather": (
        "To reset your password, open the settings and choose security.",
        "Penguins live mostly in the southern hemisphere.",
    ),
}


def _slug(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def synthesise(speaker: str, text: str, out: Path, workdir: Path) -> None:
    """Speak ``text`` with the speaker's voice into ``out`` (Ogg/Opus, mono, 16 kHz, 24 kbit/s)."""
    voice, wpm = VOICES[speaker]
    raw = workdir / "raw.wav"
    clean = workdir / "clean.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text], check=True)
    # Trim leading/trailing silence, pad 150 ms each side, resample to 16 kHz mono, normalise to -3 dBFS;
    # -R seeds the dither, so the output is the same on every run.
    trim = ["silence", "1", "0.05", "0.5%"]
    pad_norm = ["pad", "0.15", "0.15", "norm", "-3"]
    subprocess.run(
        ["sox", "-R", str(raw), "-r", "16000", "-c", "1", str(clean), *trim, "reverse", *trim, "reverse", *pad_norm],
        check=True,
    )
    subprocess.run(
        ["opusenc", "--quiet", "--bitrate", "24", "--speech", "--serial", "1", str(clean), str(out)],
        check=True,
    )


def turn(speaker: str, text: str, workdir: Path) -> dict[str, str]:
    """Make (or reuse) the audio of one turn and return its conversations.jsonl entry."""
    role = "user" if speaker == "user" else "assistant"
    name = f"{role}-{_slug(speaker + '|' + text)}.ogg"
    out = AUDIO / name
    if not out.exists():
        synthesise(speaker, text, out, workdir)
    return {"role": role, "audio": f"audio/{name}", "text": text}


def main() -> None:
    """Write audio/ and conversations.jsonl next to this script (old audio is removed first)."""
    for tool in ("espeak-ng", "sox", "opusenc"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed; on Debian: apt-get install espeak-ng sox opus-tools")
    if AUDIO.exists():
        shutil.rmtree(AUDIO)
    AUDIO.mkdir()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for scenario, (user1, user2, answers) in SCENARIOS.items():
            for model in MODELS:
                a1, a2 = answers[model]
                turns = [turn("user", user1, workdir), turn(model, a1, workdir)]
                turns += [turn("user", user2, workdir), turn(model, a2, workdir)]
                lines.append({"id": f"{scenario}-{model}", "scenario": scenario, "model": model, "turns": turns})
            if scenario in GOLD_BAD:
                a1, a2 = GOLD_BAD[scenario]
                turns = [turn("user", user1, workdir), turn("helpful", a1, workdir)]
                turns += [turn("user", user2, workdir), turn("helpful", a2, workdir)]
                lines.append(
                    {
                        "id": f"{scenario}-attention-check",
                        "scenario": scenario,
                        "model": "attention-check",
                        "gold_bad": True,
                        "turns": turns,
                    }
                )
    with open(HERE / "conversations.jsonl", "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    size = sum(p.stat().st_size for p in AUDIO.iterdir())
    print(f"{len(lines)} conversations, {len(list(AUDIO.iterdir()))} audio files, {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
