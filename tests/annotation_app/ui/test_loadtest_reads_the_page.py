"""The load generator reads the real rater page: the trial HTML the app renders for a real study, parsed with the
loadtest's own parser, gives every player (audio URL the server answers, side, turn, duration) and the listening
floor. A markup change of the players that the load test cannot follow fails here, not silently in a benchmark."""

from __future__ import annotations

import pytest
from helpers.ui_study import write_study

from annotation_app.app import ServeConfig, build_server
from annotation_app.loadtest.rater_flow import _players as loadtest_players
from annotation_app.ui.rater_app import _players as page_players


@pytest.mark.parametrize("min_played", [1.0, 0.5])
def test_the_loadtest_parses_every_player_of_a_rendered_trial(tmp_path, min_played):
    root = write_study(tmp_path / "study", quality={"min_listen_fraction": min_played, "practice_trials": 0})
    server = build_server(ServeConfig(root, tmp_path / "study.sqlite", port=0, seed=3))
    try:
        service = server.service
        token = service.enter(prolific_pid="loadtestparser").rater_token
        service.accept_consent(token)
        service.finish_instructions(token)
        trial = service.current_trial(token)
        html = page_players(trial, server.rater_settings)

        players, floor = loadtest_players(html)

        expected = [
            (side, turn, conv.turns[turn].duration_s)
            for side, conv in (("left", trial.left), ("right", trial.right))
            for turn in range(len(conv.turns))
        ]
        assert [(side, turn) for _, side, turn, _ in players] == [(side, turn) for side, turn, _ in expected]
        assert [duration for *_, duration in players] == pytest.approx([d for *_, d in expected], abs=1e-3)
        for src, *_ in players:  # each URL is one the server answers with the clip
            assert src.startswith(server.rater_settings.audio_prefix)
            status, _, body = server.audio_files.answer(src.removeprefix(server.rater_settings.audio_prefix), None)
            assert status == 200 and body
        assert floor == pytest.approx(min_played * sum(d for *_, d in expected))
        assert floor == pytest.approx(trial.min_wait_s, abs=1e-3)
    finally:
        server.close()
