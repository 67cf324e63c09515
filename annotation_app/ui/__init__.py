"""The web side of a study: the crowdworker's rater app, the admin app, and the HTTP server that hosts them.

The server is assembled by :mod:`annotation_app.app` (study -> store -> service -> UIs).
"""

from annotation_app.ui.rater_app import RaterAppSettings, build_rater_app
from annotation_app.ui.server import running, serve

__all__ = ["RaterAppSettings", "build_rater_app", "running", "serve"]
