"""Stereo stimuli of the two headphone screening tests, computed with numpy/scipy (nothing downloaded).

Every trial is one stereo clip of three 1-second intervals separated by 0.5 s of silence; the rater says which
interval is the odd one.

**Antiphase** (Woods et al., 2017): three 200 Hz pure tones with 100 ms raised-cosine ramps. Two are at the
reference level, one of them in antiphase (the right channel is the left one negated); the third is diotic and
6 dB quieter. Task: "which tone is the quietest?" Over headphones each ear hears the antiphase tone at the
reference level, so the -6 dB tone is the quietest; over loudspeakers the two channels of the antiphase tone
cancel in the air, so it sounds quietest and the listener answers wrongly.

**Huggins pitch** (Cramer and Huggins, 1958; Milne et al., 2021): three bursts of white noise, diotic (the same
noise in both ears) except one, whose right channel is the left one with a phase shift of pi in a narrow band
(600 Hz +- 6 %). Over headphones that interval carries a faint pitch at 600 Hz; over loudspeakers the cue is lost.
Task: "which noise has a faint tone in it?"

References
----------
Woods, K. J. P., Siegel, M. H., Traer, J. and McDermott, J. H. (2017). Headphone screening to facilitate
web-based auditory experiments. Attention, Perception, & Psychophysics 79, 2064–2072.
Milne, A. E., Bianco, R., Poole, K. C., Zhao, S., Oxenham, A. J., Billig, A. J. and Chait, M. (2021). An online
headphone screening test based on dichotic pitch. Behavior Research Methods 53, 1551–1562.
Cramer, E. M. and Huggins, W. H. (1958). Creation of pitch through binaural interaction. JASA 30, 413–417.
"""

from __future__ import annotations

import io
import wave

import numpy as np
from scipy.signal.windows import tukey

__all__ = [
    "GAP_S",
    "HUGGINS_BAND",
    "INTERVAL_S",
    "QUIET_DB",
    "RATE",
    "antiphase_trial",
    "calibration_sound",
    "huggins_trial",
    "interval_slices",
    "wav_bytes",
]

#: Sample rate of the stimuli (Hz); enough for a 200 Hz tone and a 600 Hz band, half the size of 44.1 kHz.
RATE = 22_050
#: Length of one interval and of the silence between intervals (seconds).
INTERVAL_S = 1.0
GAP_S = 0.5
#: Level of the quiet tone relative to the reference (dB).
QUIET_DB = -6.0
#: Tone frequency of the antiphase test (Hz) and the reference amplitude (-12 dBFS peak).
TONE_HZ = 200.0
REFERENCE_AMPLITUDE = 10 ** (-12 / 20)
#: Centre and relative half-width of the phase-inverted band of the Huggins stimulus.
HUGGINS_BAND = (600.0, 0.06)
#: RMS of the noise bursts (about -20 dBFS) and the ramps (seconds).
NOISE_RMS = 0.1
TONE_RAMP_S = 0.1
NOISE_RAMP_S = 0.02


def _ramp(n: int, ramp_s: float) -> np.ndarray:
    """A raised-cosine (Tukey) window with ``ramp_s`` seconds of rise and fall."""
    return tukey(n, alpha=min(1.0, 2 * ramp_s * RATE / n))


def _tone(n: int, amplitude: float) -> np.ndarray:
    t = np.arange(n) / RATE
    return amplitude * np.sin(2 * np.pi * TONE_HZ * t) * _ramp(n, TONE_RAMP_S)


def interval_slices(n_intervals: int = 3) -> list[slice]:
    """Sample ranges of the intervals within a trial clip."""
    step, size = round((INTERVAL_S + GAP_S) * RATE), round(INTERVAL_S * RATE)
    return [slice(k * step, k * step + size) for k in range(n_intervals)]


def _join(intervals: list[np.ndarray]) -> np.ndarray:
    gap = np.zeros((round(GAP_S * RATE), 2))
    parts: list[np.ndarray] = []
    for k, x in enumerate(intervals):
        if k:
            parts.append(gap)
        parts.append(x)
    return np.concatenate(parts)


def antiphase_trial(quiet: int, antiphase: int) -> np.ndarray:
    """A three-interval antiphase trial; ``quiet`` (the right answer) and ``antiphase`` are 0-based positions.

    Returns
    -------
    ndarray, shape (n_samples, 2)
        Left and right channel in [-1, 1].

    Examples
    --------
    >>> x = antiphase_trial(quiet=2, antiphase=0)
    >>> first = interval_slices()[0]
    >>> float(np.abs(x[first, 0] + x[first, 1]).max())  # the antiphase tone cancels when summed
    0.0
    """
    if quiet == antiphase or not {quiet, antiphase} <= {0, 1, 2}:
        raise ValueError(f"quiet={quiet} and antiphase={antiphase} must be two different positions 0..2")
    n = round(INTERVAL_S * RATE)
    intervals = []
    for k in range(3):
        level = REFERENCE_AMPLITUDE * (10 ** (QUIET_DB / 20) if k == quiet else 1.0)
        left = _tone(n, level)
        right = -left if k == antiphase else left
        intervals.append(np.column_stack([left, right]))
    return _join(intervals)


def _huggins_interval(rng: np.random.Generator, n: int, shifted: bool) -> np.ndarray:
    noise = rng.standard_normal(n)
    noise *= NOISE_RMS / noise.std()
    left = noise
    if shifted:
        spectrum = np.fft.rfft(noise)
        freq = np.fft.rfftfreq(n, 1 / RATE)
        centre, half = HUGGINS_BAND
        band = (freq >= centre * (1 - half)) & (freq <= centre * (1 + half))
        spectrum[band] *= -1.0  # a phase shift of pi
        right = np.fft.irfft(spectrum, n)
    else:
        right = noise
    ramp = _ramp(n, NOISE_RAMP_S)
    return np.column_stack([left * ramp, right * ramp])


def huggins_trial(target: int, seed: int) -> np.ndarray:
    """A three-interval Huggins-pitch trial; ``target`` (0-based) is the interval with the phase-shifted band.

    Examples
    --------
    >>> x = huggins_trial(target=1, seed=0)
    >>> [bool(np.allclose(x[s, 0], x[s, 1])) for s in interval_slices()]  # only the target differs by ear
    [True, False, True]
    """
    if target not in (0, 1, 2):
        raise ValueError(f"target={target} must be a position 0..2")
    rng = np.random.default_rng(seed)
    n = round(INTERVAL_S * RATE)
    return _join([_huggins_interval(rng, n, k == target) for k in range(3)])


def calibration_sound(kind: str, seconds: float = 4.0) -> np.ndarray:
    """The sound raters set their volume with: the test's reference tone (antiphase) or noise (huggins), diotic."""
    n = round(seconds * RATE)
    if kind == "antiphase":
        x = _tone(n, REFERENCE_AMPLITUDE)
    elif kind == "huggins":
        x = _huggins_interval(np.random.default_rng(12345), n, False)[:, 0]
    else:
        raise ValueError(f"kind={kind!r} must be 'antiphase' or 'huggins'")
    return np.column_stack([x, x])


def wav_bytes(signal: np.ndarray) -> bytes:
    """A 16-bit stereo WAV file of ``signal`` (shape (n, 2), values in [-1, 1]) at :data:`RATE`."""
    pcm = np.round(np.clip(signal, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return buffer.getvalue()
