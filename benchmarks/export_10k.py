"""Export sizes and times for a study of about 10,000 trial votes, and the dashboard's refresh time.

Builds a study folder (6 models x 20 scenarios, short WAV tones), fills it with simulated raters through the
rater service (``annotation_app.simulate.simulate``: the same scheduler and store paths as real raters), then
times ``export`` in every format (median of REPEATS runs) next to the anchor, ``pandas.DataFrame.to_csv`` /
``to_parquet`` of the same table, and one dashboard ``snapshot``. The database is kept between runs. Run::

    .venv/bin/python benchmarks/export_10k.py [WORK_DIR] [RATERS]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import wave
from pathlib import Path

import numpy as np

from annotation_app.dashboard_cache import DashboardCache
from annotation_app.dashboard_data import snapshot
from annotation_app.export import export, read_export
from annotation_app.simulate import simulate
from annotation_app.store import Store

REPEATS = 3
MODELS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")
SCENARIOS = 20

STUDY_YAML = """\
title: Export benchmark
rating: {scheme: pairwise, preference_points: 5, allow_both_bad: true, reason: optional}
targets: {raters_per_pair: 30, trials_per_rater: 10}
quality: {min_listen_fraction: 0.5, attention_checks: 1, practice_trials: 1}
completion: {code: BENCH}
"""


def tone(path: Path, freq: float, seconds: float = 0.2, rate: int = 8000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((0.3 * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes())


def make_study(root: Path) -> Path:
    if (root / "study.yaml").is_file():
        return root
    lines, freq = [], 200.0
    for s in range(SCENARIOS):
        for model in (*MODELS, "bad"):
            turns = []
            for role in ("user", "assistant"):
                freq += 3.0
                name = f"s{s}-{model}-{role}.wav"
                tone(root / "audio" / name, freq)
                turns.append({"role": role, "audio": f"audio/{name}", "text": f"{role} turn of scenario {s}"})
            record = {"id": f"s{s}-{model}", "scenario": f"s{s}", "model": model, "turns": turns}
            if model == "bad":
                record["gold_bad"] = True
            lines.append(json.dumps(record))
    (root / "conversations.jsonl").write_text("\n".join(lines) + "\n")
    (root / "study.yaml").write_text(STUDY_YAML)
    return root


def median_time(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(work: Path, raters: int) -> None:
    study = make_study(work / "study")
    db = work / "study.sqlite"
    if not db.is_file():
        start = time.perf_counter()
        result = simulate(study, raters=raters, careless=0.1, seed=0, db=db)
        took = time.perf_counter() - start
        print(
            f"simulated {result.raters} raters, {result.votes} votes in {took:.0f} s "
            f"({1000 * took / result.votes:.1f} ms/vote)"
        )
    with Store(db) as store:
        data = read_export(store, include_flagged=True)
        frame = data.main.to_frame()
        n = len(data.main)
        print(f"trial votes exported (flagged included): {n}; preference pairs: {len(data.preferences)}")
        t_snap = median_time(lambda: snapshot(store), 1)
        cache = DashboardCache(store)
        cache.snapshot()
        t_cached = median_time(cache.snapshot, 20)
    out = work / "out"
    print(f"{'format':<8} {'median s':>9} {'votes file':>12} {'pairs file':>12}")
    for fmt in ("csv", "jsonl", "parquet", "hf"):
        target = out / ("hf" if fmt == "hf" else f"votes.{fmt}")
        t = median_time(lambda fmt=fmt, target=target: export(db, fmt, target, include_flagged=True))
        paths = export(db, fmt, target, include_flagged=True).paths
        sizes = [p.stat().st_size for p in paths if p.suffix != ".md"]
        print(f"{fmt:<8} {t:9.3f} {sizes[0] / 1e6:10.2f}MB {sizes[1] / 1e6:10.2f}MB")
    t_read = median_time(lambda: read_export(Store(db), include_flagged=True))
    t_pd_csv = median_time(lambda: frame.to_csv(out / "anchor.csv", index=False))
    t_pd_pq = median_time(lambda: frame.to_parquet(out / "anchor.parquet"))
    print(f"read from SQLite (part of every export): {t_read:.3f} s")
    print(
        f"anchor pandas to_csv of the same table: {t_pd_csv:.3f} s, {(out / 'anchor.csv').stat().st_size / 1e6:.2f} MB"
    )
    print(
        f"anchor pandas to_parquet (snappy):       {t_pd_pq:.3f} s, "
        f"{(out / 'anchor.parquet').stat().st_size / 1e6:.2f} MB"
    )
    print(f"dashboard snapshot (BT, 200 clustered bootstrap rounds, quality): {t_snap:.2f} s")
    print(f"dashboard refresh, nothing changed (DashboardCache): {1000 * t_cached:.2f} ms = {t_snap / t_cached:.0f}x")


if __name__ == "__main__":
    main(
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/humans-export-bench"),
        int(sys.argv[2]) if len(sys.argv) > 2 else 1000,
    )
