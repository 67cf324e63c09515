"""Loading the bundled demo study and a flat-CSV study into domain objects; the content hash; no writes."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import mutagen
import pytest
from helpers.study_files import write_valid_study, write_wav

from annotation_app.study import Study, demo_study_path, init_study, load_study, probe_audio, validate_study
from annotation_app.study.model import RatingConfig

MODELS = ("curt", "helpful", "unreliable", "verbose")


@pytest.fixture(scope="module")
def demo() -> Study:
    return load_study(demo_study_path())


def test_demo_study_shape(demo):
    assert demo.models == MODELS
    assert len(demo.scenarios) == 9
    assert len(demo.conversations) == 9 * 4 + 2
    assert len(demo.pairs) == 9 * 6
    assert {p.a.model for p in demo.pairs} | {p.b.model for p in demo.pairs} == set(MODELS)
    assert all(p.a.model < p.b.model and p.a.scenario == p.b.scenario == p.scenario for p in demo.pairs)


def test_demo_conversations_have_two_user_and_two_assistant_turns_with_transcripts(demo):
    for c in demo.conversations:
        roles = [t.role for t in c.turns]
        assert roles == ["user", "assistant", "user", "assistant"], c.id
        assert all(t.text for t in c.turns)
        assert all(t.audio.is_absolute() and t.audio.suffix == ".ogg" for t in c.turns)


def test_demo_durations_are_read_and_short(demo):
    assistant = sorted(t.duration_s for c in demo.conversations for t in c.turns if t.role == "assistant")
    assert assistant[0] > 0.5
    assert assistant[-1] < 10.0
    assert 5 * 60 < demo.total_audio_s < 12 * 60
    # espeak-ng at 16 kHz: the helpful model's first timer answer lasts about 3 s.
    (helpful,) = [c for c in demo.conversations if c.id == "timer-helpful"]
    assert 2.0 < helpful.turns[1].duration_s < 4.5


def test_demo_gold_bad_conversations_are_attention_checks(demo):
    gold = [c for c in demo.conversations if c.gold_bad]
    assert [c.scenario for c in gold] == ["timer", "weather"]
    assert all(c.model not in demo.models for c in gold)
    assert not any(c.gold_bad for p in demo.pairs for c in (p.a, p.b))


def test_demo_folder_is_small_and_mono_opus():
    root = demo_study_path()
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size < 5_000_000
    for path in sorted((root / "audio").glob("*.ogg"))[:5]:
        info = mutagen.File(path).info
        assert type(mutagen.File(path)).__name__ == "OggOpus"
        assert info.channels == 1


def test_model_names_do_not_appear_in_audio_file_names(demo):
    for c in demo.conversations:
        for t in c.turns:
            assert not any(m in t.audio.name for m in (*MODELS, c.id, "attention")), t.audio.name


def test_turn_hashes_are_the_sha256_of_the_bytes(demo):
    turn = demo.conversations[0].turns[1]
    assert turn.sha256 == hashlib.sha256(turn.audio.read_bytes()).hexdigest()


def test_config_takes_the_yaml_values_and_dataclass_defaults(demo):
    config = demo.config
    assert config.title == "Which voice assistant would you rather talk to?"
    assert config.rating.scheme == "pairwise" and config.rating.preference_points == 3
    assert config.rating.reason == "optional"
    assert config.targets.raters_per_pair == 2 and config.targets.trials_per_rater == 6
    assert config.completion.code == "HUMANS-DEMO"
    assert config.completion.redirect_url is None  # "" means no redirect
    assert "listen to **both**" in config.instructions


def test_minimal_yaml_takes_every_default(study_dir):
    (study_dir / "study.yaml").write_text("title: Minimal\n")
    study = load_study(study_dir)
    assert study.config.rating == RatingConfig()
    assert study.config.targets.raters_per_pair == 3


def test_loading_writes_nothing(tmp_path):
    root = init_study(tmp_path / "copy")
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")}
    os.chmod(root, 0o555)
    try:
        load_study(root)
        validate_study(root)
    finally:
        os.chmod(root, 0o755)
    after = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")}
    assert after == before


def test_content_hash_is_stable_and_independent_of_location(demo, tmp_path):
    copy = init_study(tmp_path / "moved")
    assert load_study(copy).content_hash == demo.content_hash
    assert load_study(demo_study_path()).content_hash == demo.content_hash


@pytest.mark.parametrize(
    "change",
    ["audio-bytes", "config", "transcript", "gold-flag", "yaml-comment"],
)
def test_content_hash_changes_when_the_study_changes(study_dir, change):
    original = load_study(study_dir).content_hash
    if change == "audio-bytes":
        write_wav(study_dir / "audio" / "a3.wav", seconds=0.6)
    elif change == "yaml-comment":  # the hash covers the normalised config, not the file's text
        text = "# a comment\n" + (study_dir / "study.yaml").read_text().replace(
            "title: Test study", "title: 'Test study'"
        )
        (study_dir / "study.yaml").write_text(text)
    elif change == "config":
        text = (study_dir / "study.yaml").read_text().replace("raters_per_pair: 2", "raters_per_pair: 3")
        (study_dir / "study.yaml").write_text(text)
    else:
        lines = (study_dir / "conversations.jsonl").read_text().splitlines()
        record = json.loads(lines[0])
        if change == "transcript":
            record["turns"][1]["text"] = "changed"
        else:
            record["gold_bad"] = False  # explicit default: same study, same hash
        lines[0] = json.dumps(record)
        (study_dir / "conversations.jsonl").write_text("\n".join(lines) + "\n")
    changed = load_study(study_dir).content_hash
    assert (changed == original) is (change in {"gold-flag", "yaml-comment"})


def _jsonl_to_csv(root: Path) -> None:
    """Rewrite a study's conversations.jsonl as the flat per-turn CSV (turns numbered from 1, rows shuffled)."""
    rows = []
    for line in (root / "conversations.jsonl").read_text().splitlines():
        c = json.loads(line)
        for number, t in enumerate(c["turns"], start=1):
            gold = "true" if c.get("gold_bad") else ""
            rows.append([c["id"], c["scenario"], c["model"], number, t["role"], t["audio"], t.get("text", ""), gold])
    rows.reverse()  # order of rows does not matter: turns are sorted by number
    (root / "conversations.jsonl").unlink()
    with open(root / "conversations.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["conversation", "scenario", "model", "turn", "role", "audio", "text", "gold_bad"])
        writer.writerows(rows)


def test_flat_csv_gives_the_same_study_as_jsonl(demo, tmp_path):
    root = init_study(tmp_path / "csv-study")
    _jsonl_to_csv(root)
    study = load_study(root)
    assert study.content_hash == demo.content_hash
    assert [c.id for c in study.conversations][::-1] == [c.id for c in demo.conversations]


def test_csv_text_with_commas_and_quotes(tmp_path):
    root = write_valid_study(tmp_path / "s")
    (root / "conversations.jsonl").unlink()
    (root / "conversations.csv").write_text(
        "conversation,scenario,model,turn,role,audio\n"
        "c1,s1,ma,1,user,audio/u1.wav\nc1,s1,ma,2,assistant,audio/a1.wav\n"
        "c2,s1,mb,1,user,audio/u1.wav\nc2,s1,mb,2,assistant,audio/a2.wav\n",
        encoding="utf-8",
    )
    study = load_study(root)
    assert [t.text for t in study.conversations[0].turns] == [None, None]
    assert study.models == ("ma", "mb")


def test_mp3_flac_and_vorbis_durations(tmp_path):
    sox = shutil.which("sox")
    if sox is None:
        pytest.skip("sox is not installed (Debian: apt-get install sox libsox-fmt-all)")
    wav = write_wav(tmp_path / "tone.wav", seconds=1.5, rate=16000)
    for suffix in (".ogg", ".flac", ".mp3"):
        out = tmp_path / f"tone{suffix}"
        subprocess.run([sox, str(wav), str(out)], check=True, capture_output=True)
        # MP3 frames (1152 samples) and encoder padding make its header duration up to ~0.1 s long.
        tolerance = 0.1 if suffix == ".mp3" else 0.01
        assert probe_audio(out, out.name).duration_s == pytest.approx(1.5, abs=tolerance), suffix
    assert probe_audio(wav, wav.name).duration_s == pytest.approx(1.5, abs=1e-9)
