"""The demo study's dataset with audio: size, export time, ``datasets.load_dataset`` time, and loudness matching.

Copies the bundled demo study, fills a database with simulated raters, then

1. measures every served clip (the cache's Ogg/Opus renditions) and every source clip with ITU-R BS.1770
   integrated loudness, per model: median and spread (max − min), and the largest gap between model medians;
2. exports it as a Hugging Face folder with and without ``--with-audio`` (the anchor: the same table without
   audio), and times ``datasets.load_dataset`` on each (fresh cache each run, median of ``--repeats``), then
   decodes every audio value with soundfile.

Run: ``python benchmarks/export_with_audio.py [--raters 30] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from datasets import Audio, load_dataset

from annotation_app.audio import decode, integrated_loudness
from annotation_app.export import export
from annotation_app.rater_service import RaterService
from annotation_app.simulate import SimulatedClock, simulate_raters
from annotation_app.store import Store
from annotation_app.study import demo_study_path, load_study


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _loudness(values: list[float]) -> str:
    return f"median {statistics.median(values):6.1f} LUFS, spread {max(values) - min(values):4.1f} LU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(demo_study_path(), root / "demo", ignore=shutil.ignore_patterns("make_demo.py"))
        study = load_study(root / "demo")
        db = root / "demo.sqlite"
        clock = SimulatedClock(start=1_800_000_000.0)
        with Store(db) as store:
            service = RaterService(study, store, root / "demo-audio", clock=clock, rng=np.random.default_rng(1))
            simulate_raters(service, clock, args.raters, careless=0.1, seed=1)
            cache = service.cache
            print("loudness of the assistant clips per model (ITU-R BS.1770 integrated), source files -> served")
            medians = {"source": [], "served": []}
            for model in study.models:
                turns = [t for c in study.conversations if c.model == model and not c.gold_bad for t in c.turns]
                turns = [t for t in turns if t.role == "assistant"]
                src = [integrated_loudness(*_clip(t.audio)) for t in turns]
                srv = [integrated_loudness(*_clip(cache.root / cache.name_of(t))) for t in turns]
                src, srv = [v for v in src if v is not None], [v for v in srv if v is not None]
                medians["source"].append(statistics.median(src))
                medians["served"].append(statistics.median(srv))
                print(f"  {model:<11} {_loudness(src)}  ->  {_loudness(srv)}")
            for kind, values in medians.items():
                print(f"  largest gap between model medians, {kind}: {max(values) - min(values):.2f} LU")

        sizes, loads = {}, {}
        for label, with_audio in (("without audio (anchor)", False), ("with audio", True)):
            out = root / f"hf-{with_audio}"
            start = time.perf_counter()
            result = export(db, format="hf", out=out, with_audio=with_audio)
            took = time.perf_counter() - start
            sizes[label] = _size(out)
            times = []
            for i in range(args.repeats):
                cache_dir = root / f"cache-{with_audio}-{i}"
                start = time.perf_counter()
                votes = load_dataset(str(out), split="train", cache_dir=str(cache_dir))
                times.append(time.perf_counter() - start)
                shutil.rmtree(cache_dir)
            loads[label] = statistics.median(times)
            print(
                f"{label:<24} export {took:6.2f} s, {result.rows['votes']} votes, folder {sizes[label] / 1e6:6.2f} MB, "
                f"load_dataset median {loads[label]:.3f} s (runs: {', '.join(f'{t:.3f}' for t in times)})"
            )
        start = time.perf_counter()
        votes = load_dataset(str(root / "hf-True"), split="train", cache_dir=str(root / "cache-final"))
        for column in ("conversation_a_audio", "conversation_b_audio"):
            votes = votes.cast_column(column, Audio(decode=False))
        seconds, n = 0.0, 0
        for row in votes:
            for column in ("conversation_a_audio", "conversation_b_audio"):
                samples, rate = sf.read(io.BytesIO(row[column]["bytes"]))
                seconds += len(samples) / rate
                n += 1
        print(
            f"decoded {n} audio values ({seconds / 60:.1f} min of audio) with soundfile in "
            f"{time.perf_counter() - start:.2f} s (load included)"
        )
        a, b = "with audio", "without audio (anchor)"
        print(f"ratio with/without audio: size {sizes[a] / sizes[b]:.1f}x, load time {loads[a] / loads[b]:.2f}x")


def _clip(path: Path):
    clip = decode(path)
    return clip.samples, clip.rate


if __name__ == "__main__":
    main()
