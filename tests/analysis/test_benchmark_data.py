"""Loading item-level benchmark data: long, wide, folder of wide files, validation, full scores, model filter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.benchmark_data import BenchmarkData, load_benchmark
from analysis.errors import HumansError
from tests.conftest import shared_path

ATOL = 1e-12


def _write_folder(tmp_path, rng):
    folder = tmp_path / "bench"
    folder.mkdir()
    models = ["m0", "m1", "m2", "m3"]
    tables = {}
    for task, n in (("qa", 3), ("nli", 5)):
        scores = (rng.random((4, n)) < 0.5).astype(int)
        table = pd.DataFrame(scores, columns=[f"{task}_{j}" for j in range(n)])
        table.insert(0, "userid", models)
        table.to_csv(folder / f"{task}.csv", index=False)
        tables[task] = table
    return folder, tables


def test_folder_of_wide_csvs_gives_one_matrix_with_tasks_from_file_stems(tmp_path, rng):
    folder, tables = _write_folder(tmp_path, rng)
    data = load_benchmark(folder)
    assert data.scores.shape == (4, 8)
    assert list(data.task_names) == ["nli", "qa"]  # files are read in sorted order
    np.testing.assert_array_equal(data.scores[:, :5], tables["nli"].iloc[:, 1:].to_numpy())
    assert list(data.models) == ["m0", "m1", "m2", "m3"]


def test_macro_and_micro_full_scores_match_hand_computation(tmp_path, rng):
    folder, tables = _write_folder(tmp_path, rng)
    data = load_benchmark(folder)
    qa, nli = tables["qa"].iloc[:, 1:].to_numpy(), tables["nli"].iloc[:, 1:].to_numpy()
    np.testing.assert_allclose(data.full_score("macro"), (qa.mean(1) + nli.mean(1)) / 2, atol=ATOL)
    np.testing.assert_allclose(data.full_score("micro"), np.hstack([nli, qa]).mean(1), atol=ATOL)
    assert data.item_weights().sum() == pytest.approx(1.0)


def test_long_table_and_parquet_give_the_same_data_as_wide(tmp_path, rng):
    folder, _ = _write_folder(tmp_path, rng)
    wide = load_benchmark(folder)
    long = wide.to_long()
    long.to_csv(tmp_path / "long.csv", index=False)
    long.to_parquet(tmp_path / "long.parquet")
    for path in (tmp_path / "long.csv", tmp_path / "long.parquet"):
        data = load_benchmark(path)
        np.testing.assert_array_equal(data.scores, wide.scores)
        assert list(data.items) == list(wide.items)
        assert list(data.tasks) == list(wide.tasks)


def test_fractional_scores_take_the_general_parser(tmp_path):
    table = pd.DataFrame({"model": ["a", "b", "c"], "x1": [0.25, 1.0, 0.5], "x2": [0, 1, 1]})
    table.to_csv(tmp_path / "t.csv", index=False)
    data = load_benchmark(tmp_path / "t.csv")
    np.testing.assert_allclose(data.scores[:, 0], [0.25, 1.0, 0.5])
    assert set(data.tasks) == {"t"}


def test_out_of_range_score_in_long_table_names_the_rows(tmp_path):
    long = pd.DataFrame(
        {"model": ["a", "a", "b", "b"], "item": ["i1", "i2", "i1", "i2"], "task": "t", "score": [1, 0, 1.5, 0]}
    )
    long.to_csv(tmp_path / "long.csv", index=False)
    with pytest.raises(HumansError, match=r"long.csv row\(s\) 4: score 1.5 is missing or outside \[0, 1\]"):
        load_benchmark(tmp_path / "long.csv")


def test_out_of_range_score_in_wide_table_names_model_and_item(tmp_path):
    pd.DataFrame({"model": ["a", "b"], "q1": [0, 7], "q2": [1, 1]}).to_csv(tmp_path / "w.csv", index=False)
    with pytest.raises(HumansError, match=r"model 'b' item 'q1' = 7.0"):
        load_benchmark(tmp_path / "w.csv")


def test_missing_cells_are_kept_as_nan_and_the_full_score_uses_the_observed_items(tmp_path):
    (tmp_path / "w.csv").write_text("model,q1,q2\na,1,\nb,0,1\n")
    data = load_benchmark(tmp_path / "w.csv")
    assert data.has_missing and np.isnan(data.scores[0, 1])
    np.testing.assert_allclose(data.full_score(), [1.0, 0.5])
    (tmp_path / "long.csv").write_text("model,item,task,score\na,q1,t,1\nb,q1,t,0\nb,q2,u,1\na,q2,u,\n")
    long = load_benchmark(tmp_path / "long.csv")
    np.testing.assert_allclose(long.full_score(), [1.0, 0.5])  # model a: task u has no score, t counts alone


def test_a_model_or_item_without_any_score_is_an_error(tmp_path):
    (tmp_path / "w.csv").write_text("model,q1,q2\na,,\nb,0,1\n")
    with pytest.raises(HumansError, match=r"model 'a' has no score at all"):
        load_benchmark(tmp_path / "w.csv")
    (tmp_path / "i.csv").write_text("model,q1,q2\na,1,\nb,0,\n")
    with pytest.raises(HumansError, match=r"item 'q2' has no score at all"):
        load_benchmark(tmp_path / "i.csv")


def test_files_with_different_models_are_refused(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    pd.DataFrame({"model": ["a", "b"], "q1": [0, 1]}).to_csv(folder / "t1.csv", index=False)
    pd.DataFrame({"model": ["a", "c"], "r1": [0, 1]}).to_csv(folder / "t2.csv", index=False)
    with pytest.raises(HumansError, match=r"task 't2' has different models than task 't1'"):
        load_benchmark(folder)


def test_rows_are_aligned_by_model_name_across_files(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    pd.DataFrame({"model": ["a", "b"], "q1": [0, 1]}).to_csv(folder / "t1.csv", index=False)
    pd.DataFrame({"model": ["b", "a"], "r1": [1, 0]}).to_csv(folder / "t2.csv", index=False)
    data = load_benchmark(folder)
    np.testing.assert_array_equal(data.scores, [[0, 0], [1, 1]])


def test_missing_path_and_empty_folder_are_clear_errors(tmp_path):
    with pytest.raises(HumansError, match="no such file or folder"):
        load_benchmark(tmp_path / "nope.csv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(HumansError, match=r"holds no \.csv or \.parquet files"):
        load_benchmark(tmp_path / "empty")


def test_model_filter_by_regular_expression(tmp_path, rng):
    folder, _ = _write_folder(tmp_path, rng)
    assert list(load_benchmark(folder, models="m[123]").models) == ["m1", "m2", "m3"]
    with pytest.raises(HumansError, match="matches 1 of 4 models"):
        load_benchmark(folder, models="m0")
    with pytest.raises(HumansError, match="not a valid regular expression"):
        load_benchmark(folder, models="m[")


def test_benchmark_data_defaults_dataset_to_task_and_metric_to_score():
    data = BenchmarkData(np.zeros((2, 2)), np.array(["a", "b"]), np.array(["i", "j"]), np.array(["t", "t"]))
    assert list(data.datasets) == ["t", "t"]
    assert list(data.metrics) == ["score", "score"]


def test_nlu_test_sets_load_as_90_by_82756_in_29_tasks():

    data = load_benchmark(shared_path("nlu-test-sets"))
    assert data.scores.shape == (90, 82756)
    assert len(data.task_names) == 29
    assert set(np.unique(data.scores)) == {0.0, 1.0}
    assert sum(m.endswith("_best") for m in data.models) == 18


def test_wide_csv_with_gaps_and_decimals_is_parsed_into_float32_without_pandas(tmp_path):
    (tmp_path / "w.csv").write_text("model,q1,q2,q3\na,1,,0.25\nb,,0,1\nc,0,1,\n")
    data = load_benchmark(tmp_path / "w.csv")
    assert data.scores.dtype == np.float32
    np.testing.assert_array_equal(data.scores, np.array([[1, np.nan, 0.25], [np.nan, 0, 1], [0, 1, np.nan]]))
    assert list(data.models) == ["a", "b", "c"] and list(data.items) == ["q1", "q2", "q3"]


def test_a_text_cell_in_a_wide_csv_is_reported_by_the_general_reader(tmp_path):
    (tmp_path / "w.csv").write_text("model,q1,q2\na,1,x\nb,0,1\n")
    with pytest.raises(HumansError, match=r"w\.csv"):
        load_benchmark(tmp_path / "w.csv")
