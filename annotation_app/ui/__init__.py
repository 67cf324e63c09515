"""The web side of a study: the crowdworker's rater app, and the server that hosts it (and later the admin app)."""

from annotation_app.ui.rater_app import RaterAppSettings, build_rater_app
from annotation_app.ui.server import ServeConfig, StudyServer, build_server, running, serve

__all__ = ["RaterAppSettings", "ServeConfig", "StudyServer", "build_rater_app", "build_server", "running", "serve"]
