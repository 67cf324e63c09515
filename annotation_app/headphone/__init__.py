"""Volume calibration and headphone screening: stimuli generated with numpy/scipy, and the per-rater test."""

from annotation_app.headphone.battery import HeadphoneStimulus, build_battery, score_headphone_test
from annotation_app.headphone.stimuli import (
    GAP_S,
    INTERVAL_S,
    RATE,
    antiphase_trial,
    calibration_sound,
    huggins_trial,
    interval_slices,
    wav_bytes,
)

__all__ = [
    "GAP_S",
    "INTERVAL_S",
    "RATE",
    "HeadphoneStimulus",
    "antiphase_trial",
    "build_battery",
    "calibration_sound",
    "huggins_trial",
    "interval_slices",
    "score_headphone_test",
    "wav_bytes",
]
