"""The admin dashboard over HTTP on loopback: refused without the secret, leaderboard, flagging and export with it.

A real server (``build_server`` + ``install_admin``) runs on a free port; the study was filled by simulated raters
through the rater service. ``humans scores`` on the exported CSV must print the dashboard's leaderboard.
"""

from __future__ import annotations

import contextlib
import io
import re
import sqlite3
import time
import urllib.error
import urllib.request
import zipfile

import pandas as pd
import pytest
from click.testing import CliRunner
from gradio_client import Client
from helpers.ui_study import MODELS, write_study

from analysis.errors import HumansError
from annotation_app.app import ServeConfig, build_server
from annotation_app.cli import cli
from annotation_app.cli.scores import format_leaderboard
from annotation_app.dashboard_data import LeaderboardSettings, snapshot
from annotation_app.simulate import simulate
from annotation_app.ui.admin_app import AdminSettings
from annotation_app.ui.admin_server import AdminGuard, admin_secret, check_secret, install_admin
from annotation_app.ui.server import running

SECRET = "test-admin-secret-0123456789"

#: Paths a client might try without the secret: the page, Gradio's config and API, file routes, uploads.
ADMIN_PATHS = [
    "/admin",
    "/admin/",
    "/admin/config",
    "/admin/gradio_api/info",
    "/admin/gradio_api/config",
    "/admin/gradio_api/queue/data?session_hash=x",
    "/admin/gradio_api/file=/etc/hostname",
    "/admin/theme.css",
    "/admin/assets/index.js",
    "/admin/gradio_api/upload",
    "/admin/" + SECRET[:-1],
    "/admin/" + SECRET[:-1] + "/config",
    "/admin/" + SECRET + "x/config",
    "/admin/" + SECRET.upper() + "/config",
    "/admin/../admin/config",
    "/admin//" + SECRET + "/config",
]


def status(url: str, method: str = "GET") -> int:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def get(url: str):
    """Status, headers (case-insensitive lookup) and body of a GET."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers, response.read()


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    """A served study with 14 simulated raters (some careless); yields (server, base URL, admin URL)."""
    tmp = tmp_path_factory.mktemp("admin")
    root = write_study(tmp / "study", scenarios=3, quality={"attention_checks": 1, "practice_trials": 1})
    db = tmp / "study.sqlite"
    simulate(root, raters=14, careless=0.3, seed=5, db=db)
    server = build_server(ServeConfig(root, db, port=0, seed=7, admin_secret=SECRET))
    install_admin(server)
    with contextlib.closing(server), running(server) as urls:
        base = urls["rater"].rstrip("/")
        yield server, base, urls["admin"]


@pytest.mark.parametrize("path", ADMIN_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_nothing_of_the_admin_is_reachable_without_the_secret(admin_server, path, method):
    _, base, _ = admin_server
    assert status(base + path, method) == 404


def test_with_the_secret_page_config_and_api_answer(admin_server):
    _, base, admin = admin_server
    assert admin == f"{base}/admin/{SECRET}/"
    code, headers, body = get(admin)
    assert code == 200 and b"<html" in body.lower()
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"
    for path in ("config", "gradio_api/info"):
        assert get(admin + path)[0] == 200
    # the rater app is untouched by the guard
    assert get(base + "/")[0] == 200 and get(base + "/healthz")[1].get("Cache-Control") is None


def test_dashboard_shows_the_leaderboard_and_humans_scores_on_the_export_reproduces_it(admin_server, tmp_path):
    server, _, admin = admin_server
    client = Client(admin, verbose=False)
    for _ in range(120):  # the first leaderboard is computed in the background from the server's start
        summary, board, reproduce, *_ = client.predict(api_name="/refresh")
        if "being computed" not in summary:
            break
        time.sleep(0.5)
    shown = pd.DataFrame(board["data"], columns=board["headers"])
    assert sorted(shown["model"]) == sorted(MODELS)
    assert "Trial votes" in summary and "humans scores votes.csv" in reproduce

    csv = tmp_path / "votes.csv"
    settings = LeaderboardSettings()
    assert CliRunner().invoke(cli, ["export", str(server.config.db_path), "--out", str(csv)]).exit_code == 0
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(cli, ["scores", str(csv), *settings.cli_args(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    # exactly the dashboard's fit (same text, same numbers) ...
    snap = snapshot(server.store, settings)
    assert result.output.splitlines()[:-1] == format_leaderboard(snap.bt).splitlines()
    from_cli = pd.read_csv(out)
    pd.testing.assert_frame_equal(from_cli, snap.bt.table.astype({"model": object}), check_dtype=False, rtol=1e-12)
    # ... and what the page shows (rounded to 3 decimals)
    for column in ("theta", "human_score", "theta_low", "theta_high"):
        assert shown[column].astype(float).tolist() == from_cli[column].round(3).tolist()
    assert shown["model"].tolist() == from_cli["model"].tolist()


def test_flag_and_unflag_a_rater_from_the_dashboard(admin_server):
    server, _, admin = admin_server
    client = Client(admin, verbose=False)
    db = server.config.db_path
    with sqlite3.connect(db) as conn:
        rater = conn.execute("SELECT id FROM raters WHERE flagged = 0 ORDER BY id LIMIT 1").fetchone()[0]
    assert client.predict(rater, "too fast", api_name="/flag") == f"rater {rater} flagged"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT flagged, flag_reason FROM raters WHERE id = ?", [rater]).fetchone() == (
            1,
            "too fast",
        )
    assert client.predict(rater, "", api_name="/unflag") == f"rater {rater} unflagged"
    assert client.predict(99999, "", api_name="/flag").startswith("Error: no rater has id 99999")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT flagged FROM raters WHERE id = ?", [rater]).fetchone() == (0,)


def test_export_button_downloads_only_behind_the_secret(admin_server, tmp_path):
    server, base, admin = admin_server
    links = Client(admin, verbose=False).predict("csv", False, api_name="/export")
    hrefs = re.findall(r'href="([^"]+)"', links)
    assert sorted(h.rsplit("/", 1)[-1] for h in hrefs) == [
        "votes-preference-pairs.csv",
        "votes-raters.csv",
        "votes.csv",
    ]
    votes = next(h for h in hrefs if h.endswith("/votes.csv"))
    assert votes.startswith("download/")
    code, headers, body = get(admin + votes)
    assert code == 200 and headers["Cache-Control"] == "no-store"
    (tmp_path / "votes.csv").write_bytes(body)
    with sqlite3.connect(server.config.db_path) as conn:
        expected = conn.execute(
            "SELECT COUNT(*) FROM votes v JOIN raters r ON r.id = v.rater_id WHERE v.kind = 'trial' AND r.flagged = 0"
        ).fetchone()[0]
    assert len(pd.read_csv(tmp_path / "votes.csv")) == expected
    # without the secret, or through the rater app's routes, the file is not there
    assert status(f"{base}/admin/{votes}") == 404
    assert status(f"{base}/{votes}") == 404
    run = votes.split("/")[1]
    export_file = AdminSettings(db_path=server.config.db_path, title="").export_folder / run / "votes.csv"
    assert export_file.is_file() and export_file.parent.parent.name == f"{server.config.db_path.stem}-exports"
    assert status(f"{base}/gradio_api/file={export_file}") == 403
    # a path that tries to leave the export folder
    assert status(admin + "download/..%2F..%2Fetc/hostname") == 404


def test_hf_export_is_one_zip(admin_server):
    _, _, admin = admin_server
    links = Client(admin, verbose=False).predict("hf", True, api_name="/export")
    (href,) = re.findall(r'href="([^"]+)"', links)
    code, _, body = get(admin + href)
    assert code == 200
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert {"README.md", "data/votes.parquet", "data/preference_pairs.parquet"} <= set(archive.namelist())


def test_the_secret_is_checked():
    assert check_secret("a" * 16) == "a" * 16
    for bad in ("short", "has space in it!!!!!", "x" * 129, ""):
        with pytest.raises(HumansError, match=r"HUMANS_ADMIN_SECRET is .* use 16 to 128 of those"):
            check_secret(bad)


def test_admin_secret_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("HUMANS_ADMIN_SECRET", raising=False)
    assert admin_secret() is None
    monkeypatch.setenv("HUMANS_ADMIN_SECRET", SECRET)
    assert admin_secret() == SECRET
    monkeypatch.setenv("HUMANS_ADMIN_SECRET", "weak")
    with pytest.raises(HumansError, match="is 4 characters long"):
        admin_secret()


def test_guard_matches_the_prefix_exactly():
    guard = AdminGuard(None, secret=SECRET)
    assert guard._allowed("/administrator") is None and guard._allowed("/") is None
    assert guard._allowed("/admin") is False and guard._allowed("/admin/") is False
    assert guard._allowed(f"/admin/{SECRET}") is True and guard._allowed(f"/admin/{SECRET}/gradio_api/x") is True
    assert guard._allowed(f"/admin/{SECRET}extra/config") is False
