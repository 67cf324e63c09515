"""``export --with-audio``: real speech (imported model outputs), simulated raters, a dataset that `datasets` loads and
whose every audio value soundfile decodes (no torch), and the same audio as files beside CSV/JSONL/Parquet."""

from __future__ import annotations

import io
import json
import sqlite3

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import soundfile as sf
from click.testing import CliRunner
from helpers.tagged_clips import MODELS, have_tools, make_outputs

from analysis.errors import HumansError
from annotation_app.audio.web import WEB_RATE
from annotation_app.cli import cli
from annotation_app.export import export
from annotation_app.export.audio import TURN_GAP_S
from annotation_app.importer import import_outputs
from annotation_app.rater_service import RaterService
from annotation_app.simulate import SimulatedClock, simulate_raters
from annotation_app.store import Store
from annotation_app.study import load_study

pytestmark = pytest.mark.skipif(not have_tools(), reason="needs espeak-ng and ffmpeg (installed by .ci/run)")

datasets = pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def voted(tmp_path_factory):
    """An imported study of real speech with 12 simulated raters' votes: (study folder, database)."""
    root = tmp_path_factory.mktemp("voted")
    make_outputs(root / "outputs")
    import_outputs(root / "outputs", root / "study")
    study = load_study(root / "study")
    db = root / "study.sqlite"
    clock = SimulatedClock(start=1_800_000_000.0)
    with Store(db) as store:
        service = RaterService(study, store, root / "study-audio", clock=clock, rng=np.random.default_rng(1))
        simulate_raters(service, clock, 12, careless=0.0, seed=2)
    return root / "study", db


def _turn_rows(db):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = con.execute(
        "SELECT c.ext_id, t.idx, t.role, t.text, t.duration_s, t.loudness_lufs FROM turns t "
        "JOIN conversations c ON c.id = t.conversation_id ORDER BY c.id, t.idx"
    ).fetchall()
    con.close()
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(r["ext_id"], []).append(dict(r))
    return out


def test_hf_dataset_with_audio_loads_and_every_clip_decodes_without_torch(voted, tmp_path):
    _, db = voted
    out = tmp_path / "hf"
    result = export(db, format="hf", out=out, with_audio=True)
    votes = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "cache"))
    pairs = datasets.load_dataset(str(out), "preference_pairs", split="train", cache_dir=str(tmp_path / "cache"))
    assert len(votes) == result.rows["votes"] > 0 and len(pairs) == result.rows["preference_pairs"] > 0
    assert isinstance(votes.features["conversation_a_audio"], datasets.Audio)
    assert isinstance(pairs.features["chosen_conversation_audio"], datasets.Audio)
    turns = _turn_rows(db)
    audio_cols = ["conversation_a_audio", "conversation_b_audio"]
    raw = votes.cast_column(audio_cols[0], datasets.Audio(decode=False)).cast_column(
        audio_cols[1], datasets.Audio(decode=False)
    )
    for row in raw:
        for side in ("a", "b"):
            value = row[f"conversation_{side}_audio"]
            samples, rate = sf.read(io.BytesIO(value["bytes"]))
            assert rate == WEB_RATE and samples.ndim == 1
            conv = turns[row[f"conversation_{side}"]]
            starts = row[f"conversation_{side}_turn_starts_s"]
            assert len(starts) == len(conv) and starts[0] == 0.0
            expected = sum(t["duration_s"] for t in conv) + TURN_GAP_S * (len(conv) - 1)
            assert len(samples) / rate == pytest.approx(expected, abs=0.15)
            assert row[f"conversation_{side}_transcript"] == "\n".join(f"{t['role']}: {t['text']}" for t in conv)
            assert not any(m.encode() in value["bytes"] for m in MODELS)  # the files themselves stay blind
        assert {row["model_a"], row["model_b"]} <= set(MODELS)  # the table names the models (for publication)
        assert len(row["rater"]) == 16 and not row["rater"].startswith("sim")  # pseudonyms, not rater ids
    raw_pairs = pairs.cast_column("chosen_conversation_audio", datasets.Audio(decode=False)).cast_column(
        "rejected_conversation_audio", datasets.Audio(decode=False)
    )
    for row in raw_pairs:
        for column in ("chosen_conversation_audio", "rejected_conversation_audio"):
            assert sf.read(io.BytesIO(row[column]["bytes"]))[1] == WEB_RATE


def test_the_card_documents_every_field_counts_settings_licence_and_publishing(voted, tmp_path):
    _, db = voted
    out = tmp_path / "hf"
    result = export(db, format="hf", out=out, with_audio=True)
    card = (out / "README.md").read_text()
    for table in result.export.tables:
        for column in table.columns:
            assert f"| `{column.name}` |" in card, column.name
    assert "dtype: audio" in card and "sequence: float64" in card
    assert f"num_examples: {result.rows['votes']}" in card
    assert "license: other" in card and "huggingface-cli upload" in card and "push_to_hub" in card
    assert "one Ogg/Opus file per conversation" in card and "Audio(decode=False)" in card
    assert "attention check" in card  # the study's settings


def test_loudness_of_every_clip_is_exported_as_stored(voted, tmp_path):
    _, db = voted
    export(db, format="jsonl", out=tmp_path / "votes.jsonl")
    turns = _turn_rows(db)
    rows = [json.loads(line) for line in (tmp_path / "votes.jsonl").read_text().splitlines()]
    for row in rows:
        for side in ("a", "b"):
            stored = [t["loudness_lufs"] for t in turns[row[f"conversation_{side}"]]]
            assert all(v is not None for v in stored)
            assert [float(v) for v in row[f"loudness_{side}_lufs"].split()] == pytest.approx(stored, abs=0.01)
    loud = {
        row[f"model_{s}"]: np.median([float(v) for v in row[f"loudness_{s}_lufs"].split()])
        for row in rows
        for s in "ab"
    }
    assert loud["loudbot"] - loud["quietbot"] == pytest.approx(10, abs=2)  # the originals, not the served level


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_file_formats_with_audio_write_an_audio_folder_and_relative_paths(voted, tmp_path, fmt):
    _, db = voted
    out = tmp_path / "export" / f"votes.{fmt}"
    run = CliRunner().invoke(cli, ["export", str(db), "--format", fmt, "--out", str(out), "--with-audio"])
    assert run.exit_code == 0, run.output
    assert "audio files to" in run.output
    if fmt == "csv":
        frame = pd.read_csv(out)
    elif fmt == "jsonl":
        frame = pd.read_json(out, lines=True)
    else:
        frame = pq.read_table(out).to_pandas()
    paths = set(frame["conversation_a_audio"]) | set(frame["conversation_b_audio"])
    assert paths and all(p.startswith("audio/") and p.endswith(".ogg") for p in paths)
    for rel in paths:
        samples, rate = sf.read(out.parent / rel)
        assert rate == WEB_RATE and len(samples) > rate
    assert sorted(p.name for p in (out.parent / "audio").iterdir()) == sorted(p.split("/")[1] for p in paths)


def test_missing_source_audio_is_one_clear_sentence(voted, tmp_path):
    study_dir, db = voted
    moved = study_dir.with_name("study-moved")
    study_dir.rename(moved)
    try:
        with pytest.raises(HumansError, match="is missing, so --with-audio cannot export it"):
            export(db, format="hf", out=tmp_path / "hf", with_audio=True)
    finally:
        moved.rename(study_dir)
