"""Export of simulated studies: row counts per format, winner mapping, stability, exclusions, pseudonyms, errors.

The database is read back with the ``sqlite3`` module as an independent oracle (not through the store).
"""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from analysis.errors import HumansError
from annotation_app.export import FORMATS, export, pseudonym, read_export, votes_frame
from annotation_app.export.hf import CARD_MARKER
from annotation_app.store import Store


def oracle(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def n_votes(db, *, flagged: bool, kinds=("trial",)) -> int:
    marks = ", ".join("?" * len(kinds))
    sql = f"SELECT COUNT(*) AS n FROM votes v JOIN raters r ON r.id = v.rater_id WHERE v.kind IN ({marks})"
    if not flagged:
        sql += " AND r.flagged = 0"
    return oracle(db, sql, kinds)[0]["n"]


def read_any(path, fmt) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path, keep_default_na=False)
    if fmt == "jsonl":
        return pd.read_json(path, lines=True)
    return pq.read_table(path).to_pandas()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize("include_flagged", [False, True])
def test_every_file_format_has_one_row_per_vote(simulated_dbs, tmp_path, fmt, include_flagged):
    db = simulated_dbs("pairwise")
    assert n_votes(db, flagged=True) > n_votes(db, flagged=False) > 50  # careless raters were flagged
    result = export(db, fmt, tmp_path / f"votes.{fmt}", include_flagged=include_flagged)
    votes, pairs = result.paths
    assert pairs.name == f"votes-preference-pairs.{fmt}"
    table = read_any(votes, fmt)
    assert len(table) == result.rows["votes"] == n_votes(db, flagged=include_flagged)
    assert table["vote_id"].is_monotonic_increasing and table["vote_id"].is_unique
    decisive = table["winner"].isin(["model_a", "model_b"]).sum()
    assert len(read_any(pairs, fmt)) == result.rows["preference_pairs"] == decisive


def test_hf_folder_loads_with_datasets_and_has_a_card(simulated_dbs, tmp_path):
    datasets = pytest.importorskip("datasets")
    db = simulated_dbs("pairwise")
    result = export(db, "hf", tmp_path / "dataset")
    folder = tmp_path / "dataset"
    loaded = datasets.load_dataset(str(folder), cache_dir=str(tmp_path / "hf-cache"))
    assert loaded["train"].num_rows == n_votes(db, flagged=False) == result.rows["votes"]
    pairs = datasets.load_dataset(str(folder), "preference_pairs", cache_dir=str(tmp_path / "hf-cache"))
    assert pairs["train"].num_rows == result.rows["preference_pairs"]
    assert set(pairs["train"].column_names) >= {"prompt", "chosen", "rejected", "chosen_model", "rejected_model"}

    card = (folder / "README.md").read_text()
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["license"] == "other" and header["license_name"] == "to-be-decided"
    info = {c["config_name"]: c for c in header["dataset_info"]}
    assert info["votes"]["splits"][0]["num_examples"] == result.rows["votes"]
    assert {"name": "winner", "dtype": "string"} in info["votes"]["features"]
    assert "## How it was collected" in card and CARD_MARKER in card
    assert "Attention-check and practice answers are not included" in card
    assert f"{n_votes(db, flagged=True) - n_votes(db, flagged=False)} left out" in card


def test_winner_agrees_with_the_raw_choice_and_the_left_side(simulated_dbs, tmp_path):
    db = simulated_dbs("pairwise")
    (votes, _) = export(db, "csv", tmp_path / "votes.csv", include_flagged=True).paths
    table = pd.read_csv(votes, keep_default_na=False).set_index("vote_id")
    raw = oracle(
        db,
        "SELECT v.id, v.raw_choice, v.both_bad, ml.name AS left_model, mr.name AS right_model FROM votes v "
        "JOIN conversations cl ON cl.id = v.left_conversation_id JOIN models ml ON ml.id = cl.model_id "
        "JOIN conversations cr ON cr.id = v.right_conversation_id JOIN models mr ON mr.id = cr.model_id "
        "WHERE v.kind = 'trial'",
    )
    swapped = 0
    for r in raw:
        row = table.loc[r["id"]]
        assert (row["model_a"], row["model_b"]) == tuple(sorted((r["left_model"], r["right_model"])))
        shown_left = row[row["left"]]  # the model named by left ('model_a' or 'model_b')
        assert shown_left == r["left_model"]
        swapped += row["left"] == "model_b"
        if r["both_bad"]:
            expected = "both_bad"
        elif r["raw_choice"] == 0:
            expected = "tie"
        else:
            chosen = r["left_model"] if r["raw_choice"] < 0 else r["right_model"]
            expected = "model_a" if chosen == row["model_a"] else "model_b"
        assert row["winner"] == expected, r
        assert row["strength"] == abs(r["raw_choice"])
    assert 0 < swapped < len(raw)  # both orientations occur


def test_the_same_database_exports_byte_identical_files(simulated_dbs, tmp_path):
    db = simulated_dbs("pairwise+likert")
    for fmt in ("csv", "jsonl"):
        first = export(db, fmt, tmp_path / "one" / f"v.{fmt}").paths
        second = export(db, fmt, tmp_path / "two" / f"v.{fmt}").paths
        for a, b in zip(first, second, strict=True):
            assert a.read_bytes() == b.read_bytes()
    text = (tmp_path / "one" / "v.csv").read_text()
    assert text.endswith("\n") and "\r" not in text
    times = pd.read_csv(tmp_path / "one" / "v.csv", dtype=str)["time_to_vote_s"]
    assert times.str.fullmatch(r"\d+\.\d{3}").all()


def test_pairwise_likert_values_follow_their_conversation(simulated_dbs):
    db = simulated_dbs("pairwise+likert")
    with Store(db) as store:
        data = read_export(store, include_flagged=True)
    likert = {
        (r["assignment_id"], r["conversation"]): r["value"]
        for r in oracle(
            db,
            "SELECT l.assignment_id, c.ext_id AS conversation, l.value FROM likert l "
            "JOIN conversations c ON c.id = l.conversation_id",
        )
    }
    by_vote = {r["id"]: r["assignment_id"] for r in oracle(db, "SELECT id, assignment_id FROM votes")}
    assert len(data.main) > 0
    for row in data.main.rows:
        assignment = by_vote[row["vote_id"]]
        assert row["likert_a"] == likert[(assignment, row["conversation_a"])]
        assert row["likert_b"] == likert[(assignment, row["conversation_b"])]
        assert row["likert_points"] == 7 and row["preference_points"] == 5
    assert {r["strength"] for r in data.main.rows} >= {1, 2}


def test_likert_only_study_exports_one_row_per_rating(simulated_dbs, tmp_path):
    db = simulated_dbs("likert")
    result = export(db, "csv", tmp_path / "ratings.csv", include_flagged=True)
    assert len(result.paths) == 1  # no preference pairs without comparisons
    table = pd.read_csv(result.paths[0], keep_default_na=False)
    ratings = oracle(
        db,
        "SELECT l.value, m.name AS model FROM likert l JOIN votes v ON v.assignment_id = l.assignment_id "
        "JOIN conversations c ON c.id = l.conversation_id JOIN models m ON m.id = c.model_id "
        "WHERE v.kind = 'trial' ORDER BY v.id",
    )
    assert len(table) == len(ratings) == result.rows["ratings"] > 0
    assert table["rating"].tolist() == [r["value"] for r in ratings]
    assert table["model"].tolist() == [r["model"] for r in ratings]
    assert "winner" not in table.columns


def test_flagged_raters_and_checks_are_excluded_unless_asked(db_copy, tmp_path):
    db = db_copy("pairwise")
    before = read_export_rows(db)
    rater = oracle(db, "SELECT id FROM raters WHERE flagged = 0 ORDER BY id LIMIT 1")[0]["id"]
    own = n_votes_of(db, rater)
    with Store(db) as store:
        assert store.set_rater_flag(rater, True, "speeding")
    assert len(read_export_rows(db)) == len(before) - own
    with Store(db) as store:
        everything = read_export(store, include_flagged=True, include_checks=True)
        assert store.set_rater_flag(rater, False)
    kinds = {r["kind"] for r in everything.main.rows}
    assert kinds == {"trial", "attention", "practice"}
    assert len(everything.main) == n_votes(db, flagged=True, kinds=("trial", "attention", "practice"))
    flagged_rows = [r for r in everything.main.rows if r["rater_flagged"]]
    assert {r["rater_flag_reason"] for r in flagged_rows} >= {"speeding"}
    checks = [r for r in everything.main.rows if r["kind"] != "trial"]
    assert all(r["check_passed"] in (True, False) for r in checks)
    assert len(everything.preferences) < len(everything.main)  # checks never become preference pairs
    assert len(read_export_rows(db)) == len(before)  # unflagged again


def read_export_rows(db):
    with Store(db) as store:
        return read_export(store).main.rows


def n_votes_of(db, rater):
    return oracle(db, "SELECT COUNT(*) AS n FROM votes WHERE rater_id = ? AND kind = 'trial'", (rater,))[0]["n"]


def test_raters_appear_only_as_salted_pseudonyms(db_copy, tmp_path):
    db = db_copy("pairwise")
    external = [r["external_id"] for r in oracle(db, "SELECT external_id FROM raters")]
    (votes, pairs) = export(db, "csv", tmp_path / "v.csv", include_flagged=True).paths
    salt = oracle(db, "SELECT value FROM study_secrets WHERE name = 'pseudonym_salt'")[0]["value"]
    assert len(salt) == 32
    text = votes.read_text() + pairs.read_text()
    assert salt not in text
    for ext in external:
        assert ext not in text and ext.split(":", 1)[1] not in text
    table = pd.read_csv(votes)
    assert set(table["rater"]) <= {pseudonym(salt, e) for e in external}
    # another study database gets another salt, so pseudonyms cannot be linked across studies
    other = db_copy("pairwise+likert")
    export(other, "csv", tmp_path / "other.csv")
    assert oracle(other, "SELECT value FROM study_secrets")[0]["value"] != salt


def test_preference_pairs_name_the_winner_as_chosen(simulated_dbs):
    db = simulated_dbs("pairwise")
    with Store(db) as store:
        data = read_export(store)
    votes = {r["vote_id"]: r for r in data.main.rows}
    for pair in data.preferences.rows:
        vote = votes[pair["vote_id"]]
        winner, loser = ("a", "b") if vote["winner"] == "model_a" else ("b", "a")
        assert pair["chosen_model"] == vote[f"model_{winner}"] and pair["rejected_model"] == vote[f"model_{loser}"]
        assert pair["chosen_audio"] == vote[f"audio_{winner}"]
        assert pair["chosen"].startswith("assistant says") and pair["prompt"].startswith("user says")


def test_votes_frame_feeds_the_analysis_package(simulated_dbs):
    frame = votes_frame(simulated_dbs("pairwise"))
    assert {"model_a", "model_b", "winner", "rater", "scenario", "left"} <= set(frame.columns)
    assert (frame["model_a"] < frame["model_b"]).all()


def test_jsonl_rows_are_objects_with_nulls(simulated_dbs, tmp_path):
    (votes, _) = export(simulated_dbs("pairwise"), "jsonl", tmp_path / "v.jsonl").paths
    first = json.loads(votes.read_text().splitlines()[0])
    assert first["likert_a"] is None and isinstance(first["rater_flagged"], bool)


def test_bad_requests_are_one_clear_error_and_write_nothing(simulated_dbs, tmp_path):
    db = simulated_dbs("pairwise")
    with pytest.raises(HumansError, match="format is 'xlsx'; use one of csv, jsonl, parquet, hf"):
        export(db, "xlsx", tmp_path / "v.xlsx")
    with pytest.raises(HumansError, match=r"nope\.sqlite does not exist"):
        export(tmp_path / "nope.sqlite", "csv")
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database at all, just text " * 20)
    with pytest.raises(HumansError, match="is not a usable SQLite database"):
        export(junk, "csv", tmp_path / "j.csv")
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(HumansError, match="is a folder; give --out a file name"):
        export(db, "csv", tmp_path / "folder.csv")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(HumansError, match="non-empty folder that is not a humans export"):
        export(db, "hf", foreign)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))
    assert sorted(FORMATS) == ["csv", "hf", "jsonl", "parquet"]


def test_hf_export_replaces_its_own_previous_export(simulated_dbs, tmp_path):
    db = simulated_dbs("pairwise")
    export(db, "hf", tmp_path / "ds")
    (tmp_path / "ds" / "data" / "stale.parquet").write_bytes(b"old")
    export(db, "hf", tmp_path / "ds", include_flagged=True)
    assert sorted(p.name for p in (tmp_path / "ds" / "data").iterdir()) == ["preference_pairs.parquet", "votes.parquet"]
    assert "Votes of flagged raters are included" in (tmp_path / "ds" / "README.md").read_text()
