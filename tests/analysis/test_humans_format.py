"""The HUMANS paper's formats: released subsets (every file and folder layout) and the evaluator's results JSON.

The fixtures are built from the released field list with the ``datasets`` library itself (``DatasetDict``,
``save_to_disk``, ``to_parquet``, ``to_csv``, ``to_json``); the expected scores are the evaluator's formulas
computed here, in the evaluator's item order: ``human = clip(b + Σ wᵢ sᵢ, 0, 1)``, ``benchmark = Σ vᵢ sᵢ``.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.benchmark_data import load_benchmark
from analysis.errors import HumansError
from analysis.humans_format import SUBSET_COLUMNS, read_evaluator_results, read_subset_source
from analysis.humans_subset import apply_subset, read_subset
from analysis.simulate import simulate_benchmark
from annotation_app.cli import cli

datasets = pytest.importorskip("datasets")

#: The CLI prints scores with six decimals.
ATOL = 5e-7
RELEASED_FIELDS = SUBSET_COLUMNS
SIZES = (10, 20)
MODELS = ("model-a", "model-b", "model-c")


def _split_rows(rng: np.random.Generator, size: int) -> dict[str, list]:
    """One split in the released layout (plus an input field the scorer must ignore)."""
    tasks = rng.choice(["emotion", "asr", "function_calling"], size)
    w = rng.normal(0, 0.08, size)
    v = rng.random(size)
    return {
        "item_id": [f"{t}_{i:04d}" for i, t in zip(rng.choice(1000, size, replace=False), tasks, strict=True)],
        "task": list(tasks),
        "dataset": ["cava" if t == "function_calling" else "dynamic_superb" for t in tasks],
        "metric": ["exact_match"] * size,
        "human_preference_weight": list(w),
        "full_benchmark_weight": list(v / v.sum()),
        "human_regression_bias": [float(rng.normal(0.5, 0.1))] * size,
        "text_input": ["Say it again, slower."] * size,
    }


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The released subsets written in every layout, and one evaluator results file per model per split."""
    root = tmp_path_factory.mktemp("released")
    rng = np.random.default_rng(7)
    splits = {f"n{size}": datasets.Dataset.from_dict(_split_rows(rng, size)) for size in SIZES}
    ddict = datasets.DatasetDict(splits)
    ddict.save_to_disk(str(root / "save_to_disk"))
    splits["n10"].save_to_disk(str(root / "single_split"))
    (root / "hub" / "data").mkdir(parents=True)
    for name, split in splits.items():
        split.to_parquet(str(root / "hub" / "data" / f"{name}-00000-of-00001.parquet"))
        split.to_csv(str(root / f"{name}.csv"), index=False)
        split.to_json(str(root / f"{name}.jsonl"), lines=True)
        split.to_parquet(str(root / f"{name}.parquet"))
    results = {}
    for name, split in splits.items():
        folder = root / f"results_{name}"
        folder.mkdir()
        scores = {}
        for m, model in enumerate(MODELS):
            s = np.round(rng.random(len(split)), 3)
            s[:3] = (1.0, 0.0, 1.0) if m else (1.0, 1.0, 1.0)
            details = [
                {"item_id": row["item_id"], "task": row["task"], "dataset": row["dataset"], "metric": row["metric"],
                 "score": float(score), "latency": 1.25, "metadata": {"judge": "gpt"}}
                for row, score in zip(split, s, strict=True)
            ]  # fmt: skip
            details[3] = {"item_id": details[3]["item_id"], "task": details[3]["task"], "error": "timeout",
                          "score": 0.0}  # fmt: skip
            s[3] = 0.0
            payload = {"human_score": None, "num_items": len(s), "subset": name, "details": details}
            (folder / f"{model}.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
            scores[model] = s
        results[name] = (folder, scores)
    return root, splits, results


def _expected(split, scores: dict[str, np.ndarray]) -> pd.DataFrame:
    """The evaluator's formulas, item order as in the split."""
    w = np.array(split["human_preference_weight"])
    v = np.array(split["full_benchmark_weight"])
    b = float(split[0]["human_regression_bias"])
    rows = [(m, float(np.clip(np.dot(w, s) + b, 0.0, 1.0)), float(np.dot(v, s))) for m, s in scores.items()]
    return pd.DataFrame(rows, columns=["model", "human_score", "benchmark_score"])


LAYOUTS = {
    "csv": ("n10.csv", None),
    "jsonl": ("n10.jsonl", None),
    "parquet": ("n10.parquet", None),
    "save_to_disk DatasetDict": ("save_to_disk", "n10"),
    "save_to_disk Dataset": ("single_split", None),
    "hub parquet data files": ("hub", "n10"),
    "split given as a size": ("hub", "10"),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_apply_subset_reads_every_released_layout_and_the_evaluator_json(released, layout):
    root, splits, results = released
    source, split = LAYOUTS[layout]
    folder, scores = results["n10"]
    args = ["apply-subset", str(root / source), str(folder)] + (["--split", split] if split else [])
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0, run.output
    got = pd.read_csv(io.StringIO(run.output)).sort_values("model", ignore_index=True)
    want = _expected(splits["n10"], scores)
    assert list(got["model"]) == list(MODELS)
    np.testing.assert_allclose(got["human_score"], want["human_score"], rtol=0, atol=ATOL)
    np.testing.assert_allclose(got["benchmark_score"], want["benchmark_score"], rtol=0, atol=ATOL)


def test_one_results_file_and_the_larger_split(released):
    root, splits, results = released
    folder, scores = results["n20"]
    subset = read_subset(root / "save_to_disk", "n20")
    assert tuple(subset.columns[:7]) == SUBSET_COLUMNS and len(subset) == 20  # the inputs' columns follow
    out = apply_subset(subset, load_benchmark(folder / "model-b.json", min_models=1))
    want = _expected(splits["n20"], {"model-b": scores["model-b"]})
    np.testing.assert_allclose(out[["human_score", "benchmark_score"]], want[["human_score", "benchmark_score"]])


def test_clip_reaches_both_ends(released, tmp_path):
    """A bias far outside [0, 1] makes the human score 0 or 1 exactly, as the evaluator clips."""
    root, _, results = released
    folder, _ = results["n10"]
    table = read_subset(root / "n10.csv")
    data = load_benchmark(folder, min_models=1)
    for bias, end in ((-5.0, 0.0), (5.0, 1.0)):
        out = apply_subset(table.assign(human_regression_bias=bias), data)
        assert (out["human_score"] == end).all()


def test_evaluator_results_become_a_long_table(released):
    _, _, results = released
    folder, _ = results["n10"]
    long = read_evaluator_results(sorted(folder.glob("*.json")))
    assert list(long.columns) == ["model", "item", "task", "dataset", "metric", "score"]
    assert len(long) == 3 * 10 and set(long["model"]) == set(MODELS)
    errored = long[long["dataset"] == ""]  # the entry the evaluator could not score keeps its 0
    assert len(errored) == 3 and (errored["score"] == 0).all()


def test_select_writes_the_released_layout_that_datasets_and_apply_subset_read(tmp_path):
    """Round trip: `humans select` → datasets.load_dataset(folder, split=n<size>) → the evaluator's formula, and
    `humans apply-subset` on the same folder with an evaluator results JSON gives the same numbers."""
    sim = simulate_benchmark(n_models=10, task_sizes=(60, 40), seed=3)
    sim.data.take_models(np.arange(9)).to_long().to_csv(tmp_path / "items.csv", index=False)
    sim.human_frame().iloc[:9].to_csv(tmp_path / "human.csv", index=False)
    out = tmp_path / "sel"
    # ridge: a human score from the subset's items alone, as the evaluator's formula computes it
    args = ["select", str(tmp_path / "items.csv"), "--human", str(tmp_path / "human.csv"), "--methods",
            "random,anchor_points", "--sizes", "5,12", "--seeds", "1", "--jobs", "1", "--regressor", "ridge", "--out",
            str(out)]  # fmt: skip
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0, run.output
    assert sorted(p.name for p in (out / "subsets" / "anchor_points").iterdir()) == ["README.md", "n12.csv", "n5.csv"]

    loaded = datasets.load_dataset(str(out / "subsets" / "anchor_points"), split="n12", cache_dir=str(tmp_path / "c"))
    assert tuple(loaded.column_names[:7]) == SUBSET_COLUMNS and len(loaded) == 12
    assert loaded.features["item_id"].dtype == "string"
    new = sim.data.take_models([9])  # the held-out model, scored by "the evaluator" on the split's items
    position = {item: j for j, item in enumerate(new.items)}
    s = np.array([new.scores[0, position[row["item_id"]]] for row in loaded])
    details = [{"item_id": row["item_id"], "task": row["task"], "dataset": row["dataset"], "metric": row["metric"],
                "score": float(x)} for row, x in zip(loaded, s, strict=True)]  # fmt: skip
    (tmp_path / "new-model.json").write_text(json.dumps({"model": "new", "details": details}), encoding="utf-8")
    w, v = np.array(loaded["human_preference_weight"]), np.array(loaded["full_benchmark_weight"])
    human = float(np.clip(loaded[0]["human_regression_bias"] + np.dot(w, s), 0, 1))
    assert not np.allclose(w, 0) and np.sum(v) == pytest.approx(1.0)

    args = ["apply-subset", str(out / "subsets" / "anchor_points"), str(tmp_path / "new-model.json"), "--split", "n12"]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0, run.output
    row = pd.read_csv(io.StringIO(run.output)).iloc[0]
    assert row["model"] == "new"
    assert row["human_score"] == pytest.approx(human, abs=ATOL)
    assert row["benchmark_score"] == pytest.approx(float(np.dot(v, s)), abs=ATOL)

    # the report reads the same folder back
    from analysis.report import read_selection_results

    assert set(read_selection_results(out).subsets) == {("random", 5), ("random", 12), ("anchor_points", 5),
                                                        ("anchor_points", 12)}  # fmt: skip


@pytest.mark.parametrize(
    "source,split,message",
    [
        ("save_to_disk", None, "holds the splits n10, n20; choose one with --split (e.g. --split n10)."),
        ("hub", "n50", "no split 'n50'; it holds n10, n20; choose one with --split."),
        ("missing.csv", None, "missing.csv: no such file; check the path."),
    ],
)
def test_split_mistakes_are_one_sentence(released, source, split, message):
    root, _, results = released
    args = ["apply-subset", str(root / source), str(results["n10"][0])] + (["--split", split] if split else [])
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 1 and "Traceback" not in run.output
    assert message in run.output


def test_bad_files_name_the_file_and_the_problem(tmp_path):
    (tmp_path / "nodetails.json").write_text('{"human_score": 0.5}')
    with pytest.raises(HumansError, match=r"nodetails.json: no 'details' list"):
        read_evaluator_results(tmp_path / "nodetails.json")
    (tmp_path / "noscore.json").write_text('{"details": [{"item_id": "a"}]}')
    with pytest.raises(HumansError, match=r"noscore.json details\[0\]: needs item_id and score"):
        read_evaluator_results(tmp_path / "noscore.json")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(HumansError, match=r"broken\.json: cannot be read as JSON"):
        read_evaluator_results(tmp_path / "broken.json")
    (tmp_path / "s.parquet").write_text("not parquet")
    with pytest.raises(HumansError, match=r"s\.parquet: cannot be read as parquet"):
        read_subset(tmp_path / "s.parquet")
    pd.DataFrame({"item_id": ["a"], "task": ["t"]}).to_json(tmp_path / "s.jsonl", orient="records", lines=True)
    with pytest.raises(HumansError, match=r"s\.jsonl: missing column.s. dataset, metric, human_preference_weight"):
        read_subset(tmp_path / "s.jsonl")


def test_per_dimension_release_uses_the_overall_weights(tmp_path):
    """Later releases have <dimension>_human_preference_weight; the overall one is the human score."""
    rows = {"item_id": ["a", "b"], "task": ["t", "t"], "dataset": ["d", "d"], "metric": ["m", "m"],
            "overall_human_preference_weight": [0.25, 0.5], "overall_human_regression_bias": [0.1, 0.1],
            "naturalness_human_preference_weight": [9.0, 9.0], "full_benchmark_weight": [0.5, 0.5]}  # fmt: skip
    pd.DataFrame(rows).to_parquet(tmp_path / "n2.parquet")
    rows["naturalness_human_regression_bias"] = [-0.5, -0.5]
    pd.DataFrame(rows).to_parquet(tmp_path / "n2.parquet")
    table, split = read_subset_source(tmp_path, None)
    assert split == "n2"
    np.testing.assert_allclose(table["human_preference_weight"], [0.25, 0.5])
    assert table["human_regression_bias"].iloc[0] == 0.1
    long = pd.DataFrame({"model": ["m", "m"], "item": ["a", "b"], "task": "t", "score": [1.0, 0.5]})
    long.to_csv(tmp_path.parent / f"{tmp_path.name}-scores.csv", index=False)
    out = apply_subset(table, load_benchmark(tmp_path.parent / f"{tmp_path.name}-scores.csv", min_models=1)).iloc[0]
    assert out["human_score"] == pytest.approx(0.1 + 0.25 + 0.25) == out["human_overall_score"]
    assert out["human_naturalness_score"] == 1.0  # clip(-0.5 + 9 + 4.5, 0, 1)
    del rows["naturalness_human_regression_bias"]
    pd.DataFrame(rows).to_parquet(tmp_path / "n2.parquet")
    with pytest.raises(HumansError, match="naturalness_human_preference_weight has no naturalness_human_regression"):
        read_subset_source(tmp_path, None)
