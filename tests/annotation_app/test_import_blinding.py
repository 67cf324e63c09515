"""``humans import`` on real model outputs (six formats, tagged with their model's name), then everything a rater can
be served scanned for those names; attention checks encoded like the clips they are made from."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import urllib.request

import mutagen
import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner
from helpers.tagged_clips import MODELS, have_tools, make_outputs, tag_with

from annotation_app.app import ServeConfig, build_server
from annotation_app.audio import decode, integrated_loudness
from annotation_app.audio.web import WEB_RATE, web_sources
from annotation_app.cli import cli
from annotation_app.importer import ImportProblems, import_outputs
from annotation_app.study import load_study
from annotation_app.study.audio_report import audio_report
from annotation_app.ui.rater_html import trial_html
from annotation_app.ui.server import running

pytestmark = pytest.mark.skipif(not have_tools(), reason="needs espeak-ng and ffmpeg (installed by .ci/run)")

NAMES = [m.encode() for m in MODELS] + [m.upper().encode() for m in MODELS] + [m.title().encode() for m in MODELS]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    counts = make_outputs(root)
    return root, counts


@pytest.fixture(scope="module")
def imported(outputs, tmp_path_factory):
    study_dir = tmp_path_factory.mktemp("imported") / "study"
    result = import_outputs(outputs[0], study_dir)
    return study_dir, result


def test_the_fixture_clips_really_carry_the_model_names(outputs):
    root, counts = outputs
    assert set(counts) == {".wav", ".flac", ".ogg", ".mp3", ".m4a"}
    for clip in (p for p in root.rglob("*_*.*") if p.suffix != ".txt"):
        model = clip.parent.name
        assert model.encode() in clip.read_bytes(), clip  # tags are in the file


def test_import_writes_a_valid_tag_free_study_that_validate_accepts(outputs, imported):
    study_dir, result = imported
    assert result.conversations == 4 and result.clips == 8
    assert result.kinds == {"WAV": 2, "FLAC": 2, "Ogg/Opus": 1, "Ogg/Vorbis": 1, "MP3": 1, "M4A": 1}
    study = load_study(study_dir)
    assert study.models == MODELS
    for conv in study.conversations:
        assert conv.turns[0].text and conv.turns[1].text  # transcripts from the .txt files
        for turn in conv.turns:
            info = sf.info(str(turn.audio))
            assert (info.format, info.subtype, info.channels, info.samplerate) == ("OGG", "OPUS", 1, WEB_RATE)
            data = turn.audio.read_bytes()
            assert not any(name in data for name in NAMES), turn.audio
            assert not any(m in turn.audio.name for m in MODELS)
            tags = mutagen.File(turn.audio).tags
            assert tags is None or not list(tags.keys())
    run = CliRunner().invoke(cli, ["validate", str(study_dir)])
    assert run.exit_code == 0, run.output
    assert "loudbot" in run.output and "served median" in run.output and "warning" not in run.output


def test_import_keeps_the_original_loudness_and_validate_reports_the_spread(imported):
    study_dir, _ = imported
    report = audio_report(load_study(study_dir))
    by_model = {m.model: m for m in report.models}
    # quietbot was recorded 10 dB lower: about 10 LU apart in the files, matched when served
    assert by_model["loudbot"].source_median - by_model["quietbot"].source_median == pytest.approx(10, abs=1.5)
    assert report.between_models() > 3 and report.between_models(served=True) < 0.5
    assert all(abs(m.served_median + 23) < 0.5 for m in report.models)


def test_validate_warns_about_loudness_and_model_names_in_file_names_and_tags(imported, tmp_path):
    study_dir, _ = imported
    copy = tmp_path / "copy"
    shutil.copytree(study_dir, copy)
    yaml = (copy / "study.yaml").read_text()
    (copy / "study.yaml").write_text(yaml.replace("  normalize: true", "  normalize: false"))
    lines = (copy / "conversations.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    old = copy / first["turns"][1]["audio"]
    renamed = old.with_name(f"{first['model']}-answer.ogg")
    old.rename(renamed)
    first["turns"][1]["audio"] = f"audio/{renamed.name}"
    tag_with(copy / first["turns"][0]["audio"], "quietbot")
    (copy / "conversations.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    run = CliRunner().invoke(cli, ["validate", str(copy)])
    assert run.exit_code == 0, run.output
    warnings = [line for line in run.output.splitlines() if line.startswith("warning:")]
    assert any(f"file name contains the model name '{first['model']}'" in w for w in warnings), run.output
    assert any("metadata tag contains the model name 'quietbot'" in w for w in warnings), run.output
    assert any("median loudness differs by" in w and "more than 3" in w for w in warnings), run.output


def test_every_served_byte_is_free_of_model_names(imported, tmp_path):
    study_dir, _ = imported
    # put the tags back into the study's own files: the server must strip them itself
    study = load_study(study_dir)
    for conv in study.conversations:
        for turn in conv.turns:
            tag_with(turn.audio, conv.model)
    server = build_server(ServeConfig(study_dir, tmp_path / "db.sqlite", port=0, seed=3))
    try:
        with running(server) as urls:
            names = sorted(server.store.audio_names())
            served = [n for name in names for n, _ in web_sources(name)]
            assert len(served) == 2 * len(names) and any(n.endswith(".mp3") for n in served)
            total = 0
            for name in served:
                with urllib.request.urlopen(urls["rater"] + "audio/" + name) as resp:
                    body = resp.read()
                    headers = str(resp.headers).encode()
                total += len(body)
                assert not any(m in body or m in headers for m in NAMES), name
                data, rate = sf.read(io.BytesIO(body))
                assert rate == WEB_RATE and data.ndim == 1 and len(data) > 0
            assert total > 10_000
        for path in server.service.cache.root.iterdir():  # everything the cache could ever serve
            assert not any(m in path.read_bytes() for m in NAMES), path
        # the page: what a trial sends to the browser
        token = server.service.enter(typed_id="scanner").rater_token
        server.service.accept_consent(token)
        server.service.finish_instructions(token)
        trial = server.service.current_trial(token)
        html = trial_html(trial, audio_prefix="audio/").encode()
        assert not any(m in html for m in NAMES)
        assert html.index(b'type="audio/ogg; codecs=&quot;opus&quot;"') < html.index(b'type="audio/mpeg"')
    finally:
        server.close()


def test_served_clips_are_loudness_matched_and_the_store_keeps_the_original(imported, tmp_path):
    study_dir, _ = imported
    server = build_server(ServeConfig(study_dir, tmp_path / "db.sqlite", port=0, seed=3))
    try:
        cache = server.service.cache
        served = {}
        for conv in server.study.conversations:
            for turn in conv.turns:
                clip = decode(cache.root / cache.name_of(turn))
                served[turn.sha256] = integrated_loudness(clip.samples, clip.rate)
        assert all(abs(v + 23) < 1.0 for v in served.values() if v is not None), served
        db = sqlite3.connect(tmp_path / "db.sqlite")
        stored = dict(db.execute("SELECT sha256, loudness_lufs FROM turns WHERE loudness_lufs IS NOT NULL"))
        db.close()
        for conv in server.study.conversations:
            for turn in conv.turns:
                original = integrated_loudness(*_samples(turn.audio))
                assert stored[turn.sha256] == pytest.approx(original, abs=0.01)
    finally:
        server.close()


def _samples(path):
    clip = decode(path)
    return clip.samples, clip.rate


def test_generated_attention_checks_match_the_clips_they_are_made_from(imported, tmp_path):
    study_dir, _ = imported
    server = build_server(ServeConfig(study_dir, tmp_path / "db.sqlite", port=0, seed=3))
    try:
        rows = server.store.conversations()
        generated = [r for r in rows if r["generated"]]
        assert generated, "the imported study asks for attention checks, so silenced copies are generated"
        cache = server.service.cache
        by_id = {r["ext_id"]: r for r in rows}
        for row in generated:
            source = by_id[row["ext_id"].removesuffix("#silenced")]
            source_name = server.store.turns(source["id"])[-1]["audio_name"]  # an assistant turn of the source
            bad = server.store.turns(row["id"])
            for turn in bad:
                for name, _ in web_sources(turn["audio_name"]):
                    path = cache.resolve(name)
                    info = sf.info(str(path))
                    good_path = cache.resolve(next(n for n, _ in web_sources(source_name) if n.endswith(path.suffix)))
                    good = sf.info(str(good_path))
                    assert (info.format, info.subtype, info.samplerate, info.channels) == (
                        good.format,
                        good.subtype,
                        good.samplerate,
                        good.channels,
                    )
                    rate = path.stat().st_size * 8 / info.duration
                    good_rate = good_path.stat().st_size * 8 / good.duration
                    assert rate > good_rate / 3, (name, rate, good_rate)  # its size does not give it away
            assistant = [t for t in bad if t["role"] == "assistant"]
            data, _ = sf.read(str(cache.resolve(assistant[0]["audio_name"])))
            assert np.sqrt(np.mean(data**2)) < 10 ** (-60 / 20)  # silent to the ear
    finally:
        server.close()


def test_every_problem_of_a_source_is_reported_at_once_and_nothing_is_written(outputs, tmp_path):
    root = tmp_path / "bad"
    shutil.copytree(outputs[0], root)
    (root / "weather" / "loudbot" / "3_robot.wav").write_bytes(b"RIFF")
    (root / "weather" / "loudbot" / "4_assistant.xyz").write_bytes(b"x")
    (root / "timer" / "quietbot" / "2_assistant.flac").write_bytes(b"fLaC not really")
    (root / "stray.wav").write_bytes(b"RIFF")
    target = tmp_path / "out"
    with pytest.raises(ImportProblems) as info:
        import_outputs(root, target)
    text = str(info.value)
    assert "weather/loudbot/3_robot.wav: the name must be <turn>_<role>" in text
    assert "weather/loudbot/4_assistant.xyz: '.xyz' is not an accepted audio kind" in text
    assert "timer/quietbot/2_assistant.flac" in text and "cannot be decoded" in text
    assert "stray.wav: not at <scenario>/<model>/<turn>_<role>.<ext>" in text
    assert len(info.value.problems) == 4
    assert not target.exists() and not list(tmp_path.glob(".out*"))
    run = CliRunner().invoke(cli, ["import", str(root), str(target)])
    assert run.exit_code == 1 and "4 problems; nothing was written" in run.output and "Traceback" not in run.output


def test_a_manifest_reports_file_and_line(outputs, tmp_path):
    root = outputs[0]
    manifest = tmp_path / "manifest.csv"
    rows = ["scenario,model,turn,role,audio,text"]
    for clip in sorted(p for p in root.rglob("*_*.*") if p.suffix != ".txt"):
        scenario, model = clip.parent.parent.name, clip.parent.name
        turn, role = clip.stem.split("_")
        rows.append(f"{scenario},{model},{turn},{role},{clip},hello")
    rows.append("timer,loudbot,x,assistant,nowhere.wav,")
    rows.append("timer,loudbot,3,bot,nowhere.wav,")
    manifest.write_text("\n".join(rows) + "\n")
    with pytest.raises(ImportProblems) as info:
        import_outputs(manifest, tmp_path / "out")
    assert [str(p) for p in info.value.problems] == [
        "manifest.csv line 10 (turn): must be a whole number (1, 2, …), found 'x'",
        "manifest.csv line 11 (role): must be user or assistant, found 'bot'",
    ]
    manifest.write_text("\n".join(rows[:-2]) + "\n")
    result = import_outputs(manifest, tmp_path / "out")
    assert result.clips == 8 and load_study(tmp_path / "out").models == MODELS


def test_m4a_without_ffmpeg_names_the_file(outputs, tmp_path, monkeypatch):
    m4a = next(outputs[0].rglob("*.m4a"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg on this PATH
    with pytest.raises(Exception, match=rf"{m4a.name}.*needs ffmpeg, which is not installed"):
        decode(m4a, m4a.name)
