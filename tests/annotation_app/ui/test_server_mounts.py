"""The server's seams: the admin dashboard mounts under its secret path beside the rater app, and both work."""

from __future__ import annotations

import urllib.error
import urllib.request

import gradio as gr
import pytest
from gradio_client import Client
from helpers.ui_study import write_study

from annotation_app.app import ServeConfig, build_server
from annotation_app.ui.server import running


def test_admin_blocks_mount_under_the_secret_path(tmp_path):
    root = write_study(tmp_path / "study")
    server = build_server(ServeConfig(root, tmp_path / "db.sqlite", port=0, admin_secret="s3cret-path"))
    with gr.Blocks(title="Admin") as admin:
        box = gr.Textbox()
        gr.Button("count").click(lambda: str(server.store.count("raters")), None, box, api_name="count")
    server.mount_admin(admin)
    try:
        with running(server) as urls:
            assert urls["admin"].endswith("/admin/s3cret-path/")
            with urllib.request.urlopen(urls["admin"] + "config") as response:
                assert '"title":"Admin"' in response.read().decode().replace(" ", "")
            with urllib.request.urlopen(urls["rater"] + "config") as response:
                assert "UI test study" in response.read().decode()
            rater = Client(urls["rater"], verbose=False)
            rater.predict(None, "?PROLIFIC_PID=someone", api_name="/enter")
            assert Client(urls["admin"], verbose=False).predict(api_name="/count") == "1"
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(urls["rater"] + "admin/wrong-secret/config")
    finally:
        server.close()


def test_default_paths_sit_beside_the_database(tmp_path):
    root = write_study(tmp_path / "study")
    config = ServeConfig(root).resolved()
    assert config.db_path == root / "humans.sqlite"
    assert config.cache_dir == root / "humans-audio"
    assert config.admin_secret and len(config.admin_secret) >= 20
    assert ServeConfig(root).resolved().admin_secret != config.admin_secret
