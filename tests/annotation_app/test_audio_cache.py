"""The blind audio cache: content-hash names, generated silence, safe resolution of requested names."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from annotation_app.audio.web import WEB_RATE, WebRecipe, web_key
from annotation_app.audio_cache import AUDIO_NAME, AudioCache, AudioNotFound


def test_study_audio_is_encoded_under_content_hash_names(tmp_path, study):
    cache = AudioCache(tmp_path / "cache")
    assert cache.add_study(study) == 48
    assert cache.add_study(study) == 0  # already there
    names = sorted(p.name for p in cache.root.glob("*.*") if p.suffix in (".ogg", ".mp3"))
    assert len(names) == 96  # an Ogg/Opus and an MP3 rendition of each clip
    stems = {n.split(".")[0] for n in names}
    assert stems == {web_key(t.sha256, WebRecipe()) for c in study.conversations for t in c.turns}
    for name in names:
        assert AUDIO_NAME.match(name)
        info = sf.info(str(cache.root / name))
        assert (info.samplerate, info.channels) == (WEB_RATE, 1)
        assert info.format == ("OGG" if name.endswith(".ogg") else "MP3")
    assert set(cache.loudness) == {t.sha256 for c in study.conversations for t in c.turns}
    assert AudioCache(cache.root).loudness == cache.loudness  # kept across restarts


def test_missing_source_audio_is_a_clear_error(tmp_path, study):
    study.conversations[0].turns[0].audio.unlink()
    with pytest.raises(Exception, match="is missing and not in the cache"):
        AudioCache(tmp_path / "cache").add_study(study)


def test_silence_has_the_requested_length_and_the_served_format(tmp_path):
    cache = AudioCache(tmp_path / "cache")
    turn = cache.silence(1.25)
    assert turn.role == "assistant"
    assert turn.audio.parent == cache.root and turn.audio.name == f"{web_key(turn.sha256, cache.recipe)}.ogg"
    for suffix in (".ogg", ".mp3"):
        data, rate = sf.read(str(turn.audio.with_suffix(suffix)))
        assert rate == WEB_RATE and data.ndim == 1
        assert len(data) / rate == pytest.approx(1.25, abs=0.08)
        assert np.sqrt(np.mean(data**2)) < 10 ** (-60 / 20)  # inaudible
    assert turn.duration_s == pytest.approx(1.25)
    assert cache.silence(1.25).sha256 == turn.sha256  # same content, same name
    assert sorted(p.suffix for p in cache.root.iterdir()) == [".mp3", ".ogg"]  # no temporary files left


def test_resolve_accepts_only_cache_names(tmp_path, study):
    cache = AudioCache(tmp_path / "cache")
    cache.add_study(study)
    name = cache.name_of(study.conversations[0].turns[0])
    assert cache.resolve(name) == (cache.root / name).resolve()
    (tmp_path / "secret.wav").write_bytes(b"RIFF")
    bad = [
        "../secret.wav",
        "/etc/passwd",
        name.upper(),
        name.replace(".ogg", ".txt"),
        name[:-4] + ".wav",  # well formed, not in the cache
        "a" * 64 + ".wav/../../secret.wav",
        name + "\n",
        "",
        str(cache.root / name),
    ]
    for requested in bad:
        with pytest.raises(AudioNotFound):
            cache.resolve(requested)
