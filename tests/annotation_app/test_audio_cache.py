"""The blind audio cache: content-hash names, generated silence, safe resolution of requested names."""

from __future__ import annotations

import hashlib
import wave

import pytest

from annotation_app.audio_cache import AUDIO_NAME, AudioCache, AudioNotFound


def test_study_audio_is_copied_under_content_hash_names(tmp_path, study):
    cache = AudioCache(tmp_path / "cache")
    assert cache.add_study(study) == 48
    assert cache.add_study(study) == 0  # already there
    names = sorted(p.name for p in cache.root.iterdir())
    assert len(names) == 48
    for name in names:
        assert AUDIO_NAME.match(name)
        assert hashlib.sha256((cache.root / name).read_bytes()).hexdigest() == name.split(".")[0]


def test_missing_source_audio_is_a_clear_error(tmp_path, study):
    study.conversations[0].turns[0].audio.unlink()
    with pytest.raises(Exception, match="is missing and not in the cache"):
        AudioCache(tmp_path / "cache").add_study(study)


def test_silence_has_the_requested_length(tmp_path):
    cache = AudioCache(tmp_path / "cache")
    turn = cache.silence(1.25)
    assert turn.role == "assistant"
    assert turn.audio.parent == cache.root and turn.audio.name == f"{turn.sha256}.wav"
    with wave.open(str(turn.audio)) as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(1.25)
        assert set(w.readframes(w.getnframes())) == {0}
    assert turn.duration_s == pytest.approx(1.25)
    assert cache.silence(1.25).sha256 == turn.sha256  # same content, same name
    assert len(list(cache.root.iterdir())) == 1  # no temporary files left


def test_resolve_accepts_only_cache_names(tmp_path, study):
    cache = AudioCache(tmp_path / "cache")
    cache.add_study(study)
    name = AudioCache.name_of(study.conversations[0].turns[0])
    assert cache.resolve(name) == (cache.root / name).resolve()
    (tmp_path / "secret.wav").write_bytes(b"RIFF")
    bad = [
        "../secret.wav",
        "/etc/passwd",
        name.upper(),
        name.replace(".wav", ".txt"),
        name[:-4] + ".ogg",  # well formed, not in the cache
        "a" * 64 + ".wav/../../secret.wav",
        name + "\n",
        "",
        str(cache.root / name),
    ]
    for requested in bad:
        with pytest.raises(AudioNotFound):
            cache.resolve(requested)
