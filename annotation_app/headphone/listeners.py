"""Model listeners of the headphone test, for the simulator and the tests: they answer from the sound alone.

:func:`listen_with_headphones` hears each ear on its own (the quietest tone by per-ear level; the interval whose
ears differ, which is where the Huggins pitch is heard). :func:`listen_with_speakers` hears the two channels
mixed in the air (their sum): the antiphase tone cancels and seems quietest, and the Huggins cue is gone, so it
guesses. Neither reads anything but the clip's samples.
"""

from __future__ import annotations

import io
import wave

import numpy as np

from annotation_app.headphone.stimuli import interval_slices

__all__ = ["listen_with_headphones", "listen_with_speakers", "read_wav"]


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Samples (n, channels) in [-1, 1] and the sample rate of a 16-bit PCM WAV file."""
    with wave.open(io.BytesIO(data), "rb") as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return frames.reshape(-1, w.getnchannels()).astype(float) / 32767, w.getframerate()


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2)))


def listen_with_headphones(signal: np.ndarray, kind: str) -> int:
    """The answer (1..3) of a listener wearing headphones."""
    parts = [signal[s] for s in interval_slices()]
    if kind == "antiphase":
        return 1 + int(np.argmin([max(_rms(p[:, 0]), _rms(p[:, 1])) for p in parts]))
    return 1 + int(np.argmax([_rms(p[:, 0] - p[:, 1]) for p in parts]))


def listen_with_speakers(signal: np.ndarray, kind: str, rng: np.random.Generator) -> int:
    """The answer (1..3) of a listener hearing both channels mixed (loudspeakers): fooled or guessing."""
    parts = [signal[s] for s in interval_slices()]
    if kind == "antiphase":
        return 1 + int(np.argmin([_rms(p[:, 0] + p[:, 1]) for p in parts]))
    return int(rng.integers(1, 4))
