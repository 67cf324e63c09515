"""``--root-path`` values, and the rules with one owner each (issue 13, items 5 and 7)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from analysis.errors import HumansError
from annotation_app import app as app_module
from annotation_app.app import ServeConfig, check_root_path
from annotation_app.audio_cache import default_cache_dir
from annotation_app.cli import cli
from annotation_app.store import default_db_path
from annotation_app.ui import admin_server
from annotation_app.ui.admin_app import AdminSettings


@pytest.mark.parametrize(
    "given,canonical,prefix",
    [
        ("", "", ""),
        ("/", "", ""),
        ("/study", "/study", "/study"),
        ("/study/", "/study", "/study"),
        ("/labs/voice-2026", "/labs/voice-2026", "/labs/voice-2026"),
        ("https://study.example.org/study/", "https://study.example.org/study", "/study"),
        ("https://study.example.org", "https://study.example.org", ""),
    ],
)
def test_root_path_forms(tmp_path, given, canonical, prefix):
    config = ServeConfig(tmp_path, root_path=given).resolved()
    assert (config.root_path, config.public_prefix) == (canonical, prefix)


@pytest.mark.parametrize("bad", ["study", "/study?x=1", "/my study", "/study#top", "ftp://host/x"])
def test_bad_root_path_is_one_sentence(bad, tmp_path):
    with pytest.raises(HumansError, match=r"is not a URL path; give the prefix the proxy forwards, such as /study"):
        check_root_path(bad)
    run = CliRunner().invoke(cli, ["serve", str(tmp_path), "--root-path", bad, "--port", "0"])
    assert run.exit_code == 1 and "Traceback" not in run.output
    assert f"Error: --root-path {bad!r} is not a URL path" in run.output


def test_urls_are_the_public_ones_behind_a_proxy(tmp_path):
    config = ServeConfig(tmp_path, root_path="https://study.example.org/study", admin_secret="s" * 16).resolved()
    server = app_module.StudyServer(config, None, None, None, None, None)
    assert server.urls("127.0.0.1", 8080) == {
        "rater": "https://study.example.org/study/",
        "admin": f"https://study.example.org/study/admin/{'s' * 16}/",
        "local": "http://127.0.0.1:8080/",
    }


def test_each_default_has_one_owner(tmp_path):
    """The server's defaults are the store's, the audio cache's and the dashboard's, not copies of them."""
    config = ServeConfig(tmp_path / "study").resolved()
    assert config.db_path == default_db_path(tmp_path.resolve() / "study")
    assert config.cache_dir == default_cache_dir(config.db_path)
    assert default_db_path("x").name == app_module.DEFAULT_DB_NAME
    assert admin_server.ADMIN_PREFIX is app_module.ADMIN_PREFIX
    assert AdminSettings(db_path=config.db_path, title="t").export_folder == config.db_path.with_name("humans-exports")
