"""``humans serve`` and ``humans demo``: help, argument errors as one line, and a real demo run over loopback."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest
from click.testing import CliRunner
from helpers.ui_study import write_study

from annotation_app.cli import cli


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_help_has_summary_options_and_example(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    for option in ("--host", "--port"):
        assert option in result.output


def test_serve_without_folder_is_a_usage_error():
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert "Missing argument 'DIR'" in result.output
    assert "Traceback" not in result.output


def test_serve_missing_folder_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["serve", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("port", ["-1", "70000", "http"])
def test_bad_port_is_refused(tmp_path, port):
    result = CliRunner().invoke(cli, ["serve", str(tmp_path), "--port", port])
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in result.output


def test_invalid_study_is_one_error_line(tmp_path):
    (tmp_path / "study.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["serve", str(tmp_path), "--port", "0"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "Traceback" not in result.output
    assert not (tmp_path / "humans.sqlite").exists()


def test_port_in_use_is_one_error_line(tmp_path):
    import socket

    root = write_study(tmp_path / "study")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", str(root), "--port", str(port), "--db", str(tmp_path / "x.sqlite")])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "--port" in result.output


def test_demo_into_non_empty_folder_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(cli, ["demo", "--directory", str(tmp_path), "--port", "0"])
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_demo_prints_urls_serves_and_stops_on_ctrl_c(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    target = tmp_path / "demo"
    proc = subprocess.Popen(
        [sys.executable, "-m", "annotation_app.cli", "demo", "--directory", str(target), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        output = "".join(lines)
        rater = re.search(r"rater URL\s+(http://127\.0\.0\.1:\d+/)", output)
        assert rater, output
        assert re.search(r"admin URL\s+http://127\.0\.0\.1:\d+/admin/\S+/", output), output
        assert (target / "study.yaml").is_file() and (target / "humans.sqlite").is_file()
        with urllib.request.urlopen(rater.group(1) + "healthz", timeout=10) as response:
            assert response.read() == b"ok"
        with urllib.request.urlopen(rater.group(1), timeout=10) as response:
            assert "<html" in response.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    rest = proc.stdout.read()
    assert proc.returncode == 0, rest
    assert "Stopped" in rest and "Traceback" not in rest, rest
