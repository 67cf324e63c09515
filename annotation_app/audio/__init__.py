"""Audio processing: decode any accepted input to samples, measure and match loudness, encode for the web.

:mod:`~annotation_app.audio.codec` decodes and encodes, :mod:`~annotation_app.audio.loudness` measures ITU-R
BS.1770 integrated loudness and normalises, :mod:`~annotation_app.audio.web` turns a source clip into the two
tag-free renditions a browser is served (Ogg/Opus, then MP3 for Safari and iOS), :mod:`~annotation_app.audio.tags`
reads the metadata a file carries (to warn when it names a model).
"""

from annotation_app.audio.codec import IMPORT_EXTENSIONS, Clip, decode, encode
from annotation_app.audio.loudness import integrated_loudness, loudness_gain
from annotation_app.audio.tags import tag_values
from annotation_app.audio.web import WEB_FORMATS, WEB_RATE, WebRecipe, web_key, web_sources, write_web

__all__ = [
    "IMPORT_EXTENSIONS",
    "WEB_FORMATS",
    "WEB_RATE",
    "Clip",
    "WebRecipe",
    "decode",
    "encode",
    "integrated_loudness",
    "loudness_gain",
    "tag_values",
    "web_key",
    "web_sources",
    "write_web",
]
