"""ITU-R BS.1770 integrated loudness and the gain that brings a clip to a target.

Integrated loudness (LUFS) is measured with ``pyloudnorm`` [1]_: K-weighting, mean square over 400 ms blocks with
75 % overlap, an absolute gate at −70 LUFS and a relative gate 10 LU below the ungated mean, then
``L = −0.691 + 10 log10(Σ_c G_c · z_c)`` over the kept blocks (channel weights ``G_c`` = 1 for front channels).
Clips shorter than one block (0.4 s) or silent throughout have no integrated loudness (None); they are served
unchanged. The normalising gain is ``target − L`` dB, reduced when it would push the peak above −1 dBFS (a clipped
clip would sound worse than one a little quieter than its peers).

References
----------
.. [1] ITU-R BS.1770-4, "Algorithms to measure audio programme loudness and true-peak audio level", 2015;
   C. Steinmetz and J. Reiss, "pyloudnorm: A simple yet flexible loudness meter in Python", AES 150, 2021.
"""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm

__all__ = ["BLOCK_S", "PEAK_CEILING_DBFS", "integrated_loudness", "loudness_gain"]

#: Gating block length of BS.1770 (seconds): shorter clips have no integrated loudness.
BLOCK_S = 0.4
#: The highest sample peak a normalised clip may reach (dBFS).
PEAK_CEILING_DBFS = -1.0


def integrated_loudness(samples: np.ndarray, rate: int) -> float | None:
    """Integrated loudness in LUFS of ``samples`` (frames, or frames × channels); None when too short or silent.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(48000 * 2) / 48000
    >>> round(integrated_loudness(np.sin(2 * np.pi * 997 * t), 48000), 1)  # full-scale 997 Hz: -3.01 LUFS (BS.1770)
    -3.1
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.shape[0] < math.ceil(BLOCK_S * rate):
        return None
    value = pyloudnorm.Meter(rate).integrated_loudness(samples)
    return float(value) if math.isfinite(value) else None


def loudness_gain(samples: np.ndarray, measured: float | None, target: float) -> float:
    """The gain in dB that brings a clip measured at ``measured`` LUFS to ``target``, peak kept ≤ −1 dBFS.

    Returns 0 for a clip without integrated loudness.

    Examples
    --------
    >>> import numpy as np
    >>> loudness_gain(np.array([0.01, -0.02]), -33.0, -23.0)
    10.0
    >>> round(loudness_gain(np.array([0.5]), -30.0, -10.0), 2)  # limited by the peak: 20*log10(0.891/0.5)
    5.02
    """
    if measured is None:
        return 0.0
    gain = target - measured
    peak = float(np.max(np.abs(samples))) if np.size(samples) else 0.0
    if peak > 0:
        gain = min(gain, PEAK_CEILING_DBFS - 20 * math.log10(peak))
    return float(gain)
