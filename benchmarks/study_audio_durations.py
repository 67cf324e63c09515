"""How to read audio durations at study load: mutagen (our choice) versus soundfile, on the demo study's audio.

Reports, per reader, the median time to read one file's duration over repeated passes and the largest
difference from the true duration (the sample count of the file decoded by ``opusdec``, at 48 kHz, minus nothing:
``opusdec`` already drops the pre-skip). soundfile is optional (``pip install soundfile``); opusdec comes with
Debian's opus-tools. Run::

    .venv/bin/python benchmarks/study_audio_durations.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
import wave
from pathlib import Path

import mutagen

from annotation_app.study import demo_study_path, load_study

REPEATS = 7


def true_durations(files: list[Path]) -> dict[Path, float]:
    """Duration of each file from its decoded samples (opusdec writes 48 kHz WAV)."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            wav = Path(tmp) / "x.wav"
            subprocess.run(["opusdec", "--quiet", str(path), str(wav)], check=True)
            with wave.open(str(wav)) as w:
                out[path] = w.getnframes() / w.getframerate()
    return out


def time_reader(name: str, read, files: list[Path]) -> tuple[float, dict[Path, float]]:
    """Median seconds per file over REPEATS passes, and the durations read."""
    per_file = []
    values = {}
    for _ in range(REPEATS):
        start = time.perf_counter()
        for path in files:
            values[path] = read(path)
        per_file.append((time.perf_counter() - start) / len(files))
    return statistics.median(per_file), values


def formats_accuracy(readers: dict) -> None:
    """Duration read for a 1.500 s tone converted by sox to each format the loader accepts."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "tone.wav"
        subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(source), "synth", "1.5", "sine", "440"])
        for suffix in (".wav", ".flac", ".ogg", ".mp3"):
            path = Path(tmp) / f"tone{suffix}"
            if suffix != ".wav":
                subprocess.run(["sox", str(source), str(path)], check=True)
            cells = []
            for name, read in readers.items():
                try:
                    cells.append(f"{name} {read(path):.4f} s")
                except Exception as exc:  # a reader that cannot open the format
                    cells.append(f"{name} failed ({type(exc).__name__})")
            print(f"1.5000 s tone as {suffix:5s}: " + "   ".join(cells))


def main() -> None:
    files = sorted((demo_study_path() / "audio").glob("*.ogg"))
    truth = true_durations(files) if shutil.which("opusdec") else None
    readers = {"mutagen": lambda p: mutagen.File(p).info.length}
    try:
        import soundfile

        readers["soundfile"] = lambda p: soundfile.info(str(p)).duration
    except ImportError:
        print("soundfile is not installed; only mutagen is measured")
    results = {}
    for name, read in readers.items():
        seconds, values = time_reader(name, read, files)
        results[name] = seconds
        error = max(abs(values[p] - truth[p]) for p in files) * 1000 if truth else float("nan")
        print(f"{name:10s} median {seconds * 1e6:7.1f} µs per file, max |error| {error:.2f} ms ({len(files)} files)")
    if "soundfile" in results:
        print(f"soundfile / mutagen time ratio: {results['soundfile'] / results['mutagen']:.2f}")
    if shutil.which("sox"):
        formats_accuracy(readers)
    start = time.perf_counter()
    study = load_study(demo_study_path())
    print(
        f"load_study(demo): {time.perf_counter() - start:.3f} s for {len(study.conversations)} conversations, "
        f"{study.total_audio_s / 60:.1f} min of audio"
    )


if __name__ == "__main__":
    main()
