"""The audio module on real files: decoding every accepted kind, loudness against BS.1770 calibration, the web
renditions (rate, channels, loudness, no tags), and reading tags wherever they hide."""

from __future__ import annotations

import shutil
import subprocess

import mutagen
import numpy as np
import pytest
import soundfile as sf

from annotation_app.audio import WebRecipe, decode, encode, integrated_loudness, tag_values, write_web
from annotation_app.audio.codec import Clip
from annotation_app.audio.web import WEB_RATE
from annotation_app.study import demo_study_path

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg (installed by .ci/run)")

#: Loudness tolerances (LU): BS.1770 meters agree to ~0.1 LU on tones; lossy coding moves speech-like noise a little.
TONE_ATOL, CODED_ATOL = 0.1, 0.6


def _tone(seconds: float, amplitude: float, rate: int = 48000, channels: int = 1) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    x = amplitude * np.sin(2 * np.pi * 997 * t)
    return np.repeat(x[:, None], channels, axis=1)


def test_full_scale_997hz_tone_reads_minus_3_lufs_per_channel():
    # BS.1770-4 calibration: a 0 dBFS 997 Hz sine in one channel reads -3.01 LUFS; in two channels +3 dB more
    assert integrated_loudness(_tone(3, 1.0)[:, 0], 48000) == pytest.approx(-3.01, abs=TONE_ATOL)
    assert integrated_loudness(_tone(3, 1.0, channels=2), 48000) == pytest.approx(0.0, abs=TONE_ATOL)
    assert integrated_loudness(_tone(3, 0.1)[:, 0], 48000) == pytest.approx(-23.01, abs=TONE_ATOL)
    assert integrated_loudness(_tone(0.3, 1.0)[:, 0], 48000) is None  # shorter than one 400 ms block
    assert integrated_loudness(np.zeros(48000), 48000) is None  # silence


@pytest.mark.parametrize("target", [-23.0, -16.0])
def test_web_renditions_are_mono_24k_tag_free_and_at_the_target(tmp_path, target):
    speech = next(p for p in sorted((demo_study_path() / "audio").glob("assistant-*.ogg")) if sf.info(p).duration > 3)
    mono = decode(speech)
    stereo = np.repeat(mono.samples, 2, axis=1) * 0.3  # a dual-mono stereo file, 10 dB quieter than the demo's
    result = write_web(Clip(stereo, mono.rate), WebRecipe(True, target), tmp_path, "k")
    assert result.source_lufs == pytest.approx(integrated_loudness(stereo, mono.rate))
    assert [p.name for p in result.paths] == ["k.ogg", "k.mp3"]
    for path in result.paths:
        info = sf.info(str(path))
        assert (info.samplerate, info.channels) == (WEB_RATE, 1)
        assert info.duration == pytest.approx(mono.duration_s, abs=0.1)
        served = decode(path)
        lufs = integrated_loudness(served.samples, served.rate)
        if target == -23.0:
            assert lufs == pytest.approx(target, abs=CODED_ATOL)
        else:  # speech peaks ~20 dB above its loudness: -16 LUFS would clip, so the gain stops at a -1 dBFS peak
            assert lufs < target
            peak_db = 20 * np.log10(np.max(np.abs(served.samples)))
            assert peak_db == pytest.approx(-1.0, abs=1.0)
        tags = mutagen.File(path).tags
        assert tags is None or not list(tags.keys())


def test_normalising_never_clips(tmp_path):
    speech = decode(next(iter(sorted((demo_study_path() / "audio").glob("assistant-*.ogg")))))
    result = write_web(speech, WebRecipe(True, -5.0), tmp_path, "x")  # far louder than speech can be unclipped
    source = integrated_loudness(speech.samples, speech.rate)
    assert result.gain_db < -5.0 - source  # limited by the -1 dBFS peak ceiling
    for path in result.paths:
        assert np.max(np.abs(decode(path).samples)) < 1.0  # the 1 dB headroom absorbs the codecs' overshoot


@needs_ffmpeg
@pytest.mark.parametrize(
    "ext,args",
    [
        (".wav", ["-c:a", "pcm_s16le"]),
        (".flac", ["-c:a", "flac"]),
        (".ogg", ["-c:a", "libopus"]),
        (".opus", ["-c:a", "libopus"]),
        (".ogg", ["-c:a", "libvorbis"]),
        (".mp3", ["-c:a", "libmp3lame"]),
        (".m4a", ["-c:a", "aac"]),
    ],
)
def test_every_accepted_kind_decodes_to_the_same_tone(tmp_path, ext, args):
    path = tmp_path / f"tone{ext}"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=997:duration=2:sample_rate=48000",
            "-af",
            "volume=-20dB",
            *args,
            str(path),
        ],
        check=True,
    )
    clip = decode(path)
    assert clip.duration_s == pytest.approx(2.0, abs=0.06)
    # ffmpeg's sine source is 1/8 of full scale (-18 dBFS), then -20 dB: about -41 LUFS
    assert integrated_loudness(clip.samples, clip.rate) == pytest.approx(-3.01 - 18.06 - 20, abs=CODED_ATOL)


def test_undecodable_and_unknown_files_are_named(tmp_path):
    bad = tmp_path / "answer.flac"
    bad.write_bytes(b"fLaC but not really")
    with pytest.raises(Exception, match=r"^answer.flac cannot be decoded as audio"):
        decode(bad, "answer.flac")
    with pytest.raises(Exception, match=r"'\.aiff' is not a supported audio kind"):
        decode(tmp_path / "x.aiff", "x.aiff")


@needs_ffmpeg
def test_tags_are_found_in_riff_info_id3_and_vorbis_comments(tmp_path):
    for ext in (".wav", ".mp3", ".ogg", ".flac"):
        path = tmp_path / f"t{ext}"
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "sine=d=1",
                "-metadata",
                "title=robo-7 says",
                "-metadata",
                "comment=made by robo-7",
                str(path),
            ],
            check=True,
        )
        assert any("robo-7" in v for v in tag_values(path)), ext
    clean = tmp_path / "clean.ogg"
    clean.write_bytes(encode(np.zeros(WEB_RATE, dtype=np.float32), WEB_RATE, ".ogg"))
    assert not any("robo" in v for v in tag_values(clean))
