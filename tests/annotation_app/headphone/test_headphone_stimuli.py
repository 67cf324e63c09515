"""Headphone screening stimuli checked by their signal properties, and the pool written to the blind cache."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from annotation_app.audio_cache import AUDIO_NAME, AudioCache
from annotation_app.headphone.battery import build_battery, draw_trials, score_headphone_test
from annotation_app.headphone.listeners import listen_with_headphones, listen_with_speakers, read_wav
from annotation_app.headphone.stimuli import (
    HUGGINS_BAND,
    RATE,
    antiphase_trial,
    calibration_sound,
    huggins_trial,
    interval_slices,
    wav_bytes,
)

#: 16-bit quantisation of a WAV round trip.
PCM_ATOL = 1.5 / 32767


def _db(x: np.ndarray, ref: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(x**2)) / np.sqrt(np.mean(ref**2)))


@pytest.mark.parametrize("quiet,antiphase", list(itertools.permutations(range(3), 2)))
def test_antiphase_trial_levels_and_cancellation(quiet, antiphase):
    x, rate = read_wav(wav_bytes(antiphase_trial(quiet, antiphase)))
    assert rate == RATE and x.shape[1] == 2
    parts = [x[s] for s in interval_slices()]
    (reference,) = {0, 1, 2} - {quiet, antiphase}
    # the antiphase tone's channels cancel exactly when summed; the others are the same in both ears
    assert np.abs(parts[antiphase][:, 0] + parts[antiphase][:, 1]).max() == 0.0
    np.testing.assert_array_equal(parts[reference][:, 0], parts[reference][:, 1])
    np.testing.assert_array_equal(parts[quiet][:, 0], parts[quiet][:, 1])
    # per ear the antiphase tone is as loud as the reference, the quiet one 6 dB below
    assert _db(parts[antiphase][:, 0], parts[reference][:, 0]) == pytest.approx(0.0, abs=0.01)
    assert _db(parts[quiet][:, 0], parts[reference][:, 0]) == pytest.approx(-6.0, abs=0.01)
    # a 200 Hz tone: the spectral peak of each interval
    spectrum = np.abs(np.fft.rfft(parts[reference][:, 0]))
    assert np.fft.rfftfreq(len(parts[reference]), 1 / RATE)[spectrum.argmax()] == pytest.approx(200.0, abs=1.0)
    # headphones find the quiet tone; loudspeakers (channels summed) are fooled by the antiphase one
    assert listen_with_headphones(x, "antiphase") == quiet + 1
    assert listen_with_speakers(x, "antiphase", np.random.default_rng(0)) == antiphase + 1


@pytest.mark.parametrize("target", [0, 1, 2])
def test_huggins_trial_has_a_phase_inverted_narrow_band_in_one_interval(target):
    x, _ = read_wav(wav_bytes(huggins_trial(target, seed=7)))
    parts = [x[s] for s in interval_slices()]
    for k, part in enumerate(parts):
        if k != target:
            np.testing.assert_array_equal(part[:, 0], part[:, 1])
    left, right = parts[target][:, 0], parts[target][:, 1]
    freq = np.fft.rfftfreq(len(left), 1 / RATE)
    centre, half = HUGGINS_BAND
    band = (freq >= centre * (1 - half)) & (freq <= centre * (1 + half))
    diff = np.abs(np.fft.rfft(left - right)) ** 2
    assert diff[band].sum() / diff.sum() > 0.95  # the ears differ only inside the band
    fl, fr = np.fft.rfft(left), np.fft.rfft(right)
    strong = band & (np.abs(fl) > np.median(np.abs(fl)))
    phase = np.angle(fr[strong] / fl[strong])
    assert np.median(np.abs(phase)) == pytest.approx(np.pi, abs=0.3)  # shifted by pi inside the band
    outside = (freq < 400) | (freq > 800)
    np.testing.assert_allclose(fl[outside], fr[outside], atol=2.0)  # unchanged outside (up to ramp leakage)
    # the levels of the three bursts match, so loudness gives nothing away
    levels = [_db(p[:, 0], parts[0][:, 0]) for p in parts]
    assert np.ptp(levels) < 0.5
    assert listen_with_headphones(x, "huggins") == target + 1


def test_calibration_sound_is_diotic_and_at_the_test_level():
    tone = calibration_sound("antiphase")
    np.testing.assert_array_equal(tone[:, 0], tone[:, 1])
    reference = antiphase_trial(0, 1)[interval_slices()[2]]
    assert _db(tone[RATE : 2 * RATE, 0], reference[RATE // 4 : 3 * RATE // 4, 0]) == pytest.approx(0.0, abs=0.1)
    with pytest.raises(ValueError, match="kind='loud'"):
        calibration_sound("loud")


@pytest.mark.parametrize("kind", ["antiphase", "huggins"])
def test_battery_is_written_once_under_content_hash_names(tmp_path, kind):
    cache = AudioCache(tmp_path / "cache")
    battery = build_battery(cache, kind)
    assert len(battery.pool) == 6 and sorted({s.answer for s in battery.pool}) == [1, 2, 3]
    names = [s.audio_name for s in battery.pool] + [battery.calibration_name]
    assert len(set(names)) == len(names) and all(AUDIO_NAME.match(n) for n in names)
    mtimes = {n: cache.resolve(n).stat().st_mtime_ns for n in names}
    again = build_battery(cache, kind)
    assert again == battery
    assert {n: cache.resolve(n).stat().st_mtime_ns for n in names} == mtimes
    for stimulus in battery.pool:  # a listener with headphones gets every clip of the pool right
        signal, _ = read_wav(cache.resolve(stimulus.audio_name).read_bytes())
        assert listen_with_headphones(signal, kind) == stimulus.answer


def test_draw_covers_the_pool_in_random_order_and_scoring(tmp_path):
    battery = build_battery(AudioCache(tmp_path), "antiphase")
    first = draw_trials(battery, 6, np.random.default_rng(1))
    second = draw_trials(battery, 6, np.random.default_rng(2))
    assert sorted(s.audio_name for s in first) == sorted(s.audio_name for s in battery.pool)
    assert first != second
    assert len(draw_trials(battery, 14, np.random.default_rng(3))) == 14
    assert score_headphone_test([1, 2, 3, 1, 2, 3], [1, 2, 3, 1, 2, 1], needed=5) == (5, True)
    assert score_headphone_test([1, 2, 3, 1, None, 3], [1, 2, 3, 1, 2, 1], needed=5) == (4, False)


def test_speaker_listeners_fail_the_antiphase_test_and_guess_at_huggins(tmp_path):
    rng = np.random.default_rng(0)
    cache = AudioCache(tmp_path)
    for kind, most in (("antiphase", 0), ("huggins", 12)):
        battery = build_battery(cache, kind)
        passed = 0
        for _ in range(200):
            trials = draw_trials(battery, 6, rng)
            answers = [listen_with_speakers(read_wav(cache.resolve(s.audio_name).read_bytes())[0], kind, rng)
                       for s in trials]  # fmt: skip
            passed += score_headphone_test(answers, [s.answer for s in trials], 5)[1]
        assert passed <= most  # guessing 5 of 6 right: p = 0.018, about 3.6 of 200 (P(more than 12) < 1e-4)
