"""Bradley–Terry fits against published estimates (BradleyTerry2's baseball data), choix, and simulated truth."""

from __future__ import annotations

import choix
import numpy as np
import pandas as pd
import pytest

from analysis import HumansError
from analysis.bradley_terry import SCORE_COLUMNS, bt_scores, elo_scale, human_scores
from analysis.simulate import simulate_votes
from tests.conftest import shared_path

#: Published estimates are given to 4 decimals.
PUBLISHED_ATOL = 1e-4
#: Agreement with choix (both converged to tight tolerances).
CHOIX_ATOL = 1e-6

PUBLISHED = {
    "Baltimore": 0.0,
    "Boston": 1.1077,
    "Cleveland": 0.6839,
    "Detroit": 1.4364,
    "Milwaukee": 1.5814,
    "New York": 1.2476,
    "Toronto": 1.2945,
}


@pytest.fixture
def baseball() -> pd.DataFrame:
    """The 1987 AL East games as weighted comparison rows, home team on the left."""
    games = pd.read_csv(shared_path("bt-reference", "baseball_1987_al_east.csv"))
    rows = []
    for winner, column in (("model_a", "home.wins"), ("model_b", "away.wins")):
        rows.append(
            pd.DataFrame(
                {
                    "model_a": games["home.team"],
                    "model_b": games["away.team"],
                    "winner": winner,
                    "weight": games[column],
                    "left": "model_a",
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _relative_to(table: pd.DataFrame, reference: str) -> pd.Series:
    theta = table.set_index("model")["theta"]
    return theta - theta[reference]


def test_baseball_abilities_match_published(baseball):
    result = bt_scores(baseball)
    got = _relative_to(result.table, "Baltimore")
    for team, value in PUBLISHED.items():
        assert got[team] == pytest.approx(value, abs=PUBLISHED_ATOL), team


def test_baseball_home_advantage_matches_published(baseball):
    result = bt_scores(baseball, position=True)
    assert result.position == pytest.approx(0.3023, abs=PUBLISHED_ATOL)
    assert result.position_low < 0.3023 < result.position_high


def test_win_matrix_input_gives_the_same_abilities(baseball):
    games = pd.read_csv(shared_path("bt-reference", "baseball_1987_al_east.csv"))
    wins = games.pivot_table(index="home.team", columns="away.team", values="home.wins", aggfunc="sum", fill_value=0)
    wins = wins + games.pivot_table(
        index="away.team", columns="home.team", values="away.wins", aggfunc="sum", fill_value=0
    )
    wins = wins.loc[sorted(PUBLISHED), sorted(PUBLISHED)]
    result = bt_scores(wins)
    got = _relative_to(result.table, "Baltimore")
    for team, value in PUBLISHED.items():
        assert got[team] == pytest.approx(value, abs=PUBLISHED_ATOL), team
    assert result.table.set_index("model").loc["Boston", "n_votes"] == 78


@pytest.mark.parametrize("n_models,n_votes", [(5, 200), (12, 2_000), (30, 5_000)])
def test_agrees_with_choix_on_random_graphs(rng, n_models, n_votes):
    truth = rng.normal(0, 1, n_models)
    votes = simulate_votes(truth, raters=n_votes // 50, votes_per_rater=50, nu=0.5, seed=rng)
    decisive = votes[votes["winner"] != "tie"]
    codes = {name: k for k, name in enumerate(sorted(set(votes["model_a"]) | set(votes["model_b"])))}
    winners = np.where(decisive["winner"] == "model_a", decisive["model_a"], decisive["model_b"])
    losers = np.where(decisive["winner"] == "model_a", decisive["model_b"], decisive["model_a"])
    data = [(codes[w], codes[lo]) for w, lo in zip(winners, losers, strict=True)]
    expected = choix.ilsr_pairwise(n_models, data, tol=1e-12)
    expected -= expected.mean()
    got = bt_scores(votes, ties="drop", ridge=0.0).table.set_index("model")["theta"]
    np.testing.assert_allclose(got[sorted(codes)].to_numpy(), expected, atol=CHOIX_ATOL)


def test_half_ties_equal_duplicated_half_weight_rows():
    votes = pd.DataFrame(
        {
            "model_a": ["a", "a", "b", "c", "a"],
            "model_b": ["b", "c", "c", "a", "b"],
            "winner": ["tie", "model_a", "model_b", "model_a", "model_b"],
        }
    )
    expanded = pd.DataFrame(
        {
            "model_a": ["a", "a", "a", "b", "c", "a"],
            "model_b": ["b", "b", "c", "c", "a", "b"],
            "winner": ["model_a", "model_b", "model_a", "model_b", "model_a", "model_b"],
            "weight": [0.5, 0.5, 1, 1, 1, 1],
        }
    )
    np.testing.assert_allclose(bt_scores(votes).table["theta"], bt_scores(expanded).table["theta"], atol=1e-10)


def test_both_bad_counts_as_tie_unless_dropped():
    votes = pd.DataFrame(
        {
            "model_a": ["a", "a", "a", "b"],
            "model_b": ["b", "b", "b", "a"],
            "winner": ["model_a", "both_bad", "both_bad", "model_a"],
        }
    )
    as_tie = bt_scores(votes).table.set_index("model")["theta"]
    dropped = bt_scores(votes, both_bad="drop").table.set_index("model")["theta"]
    assert as_tie["a"] == pytest.approx(0.0, abs=1e-8)
    assert dropped["a"] == pytest.approx(0.0, abs=1e-8)
    votes.loc[3, "winner"] = "model_b"
    assert bt_scores(votes).table.set_index("model")["theta"]["a"] > 0


def test_davidson_recovers_nu_and_theta_within_their_intervals():
    truth = np.array([-1.0, -0.4, 0.0, 0.3, 1.1])
    truth -= truth.mean()
    votes = simulate_votes(truth, raters=80, votes_per_rater=60, nu=0.7, position=0.25, seed=7)
    result = bt_scores(votes, ties="davidson", position=True)
    assert result.nu_low < 0.7 < result.nu_high
    assert result.position_low < 0.25 < result.position_high
    table = result.table.set_index("model").loc[[f"m{k:02d}" for k in range(5)]]
    assert ((table["theta_low"] < truth) & (truth < table["theta_high"])).all()
    assert result.nu == pytest.approx(0.7, abs=0.1)


def test_outputs_are_consistent():
    votes = simulate_votes([0.0, 0.5, 1.0, 2.0], raters=10, votes_per_rater=40, nu=0.4, seed=3)
    result = bt_scores(votes)
    table = result.table
    assert list(table.columns) == SCORE_COLUMNS
    assert table["theta"].is_monotonic_decreasing
    assert table["theta"].sum() == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(table["elo"], elo_scale(table["theta"]))
    assert table["human_score"].between(0, 1).all()
    assert table["human_score"].mean() == pytest.approx(0.5)
    assert (table["theta_low"] < table["theta"]).all() and (table["theta"] < table["theta_high"]).all()
    assert table["n_votes"].sum() == 2 * len(votes)
    assert list(table["model"]) == ["m03", "m02", "m01", "m00"]


def test_human_score_under_davidson_counts_ties_half():
    scores = human_scores(np.array([0.0, 0.0]), nu=3.0)
    np.testing.assert_allclose(scores, [0.5, 0.5])


def test_undefeated_model_stays_finite():
    votes = pd.DataFrame(
        {
            "model_a": ["a", "a", "b", "c"],
            "model_b": ["b", "c", "c", "b"],
            "winner": ["model_a", "model_a", "model_a", "model_a"],
        }
    )
    table = bt_scores(votes).table
    assert np.isfinite(table["theta"]).all()
    assert table.iloc[0]["model"] == "a"


def test_disconnected_graph_names_the_groups():
    votes = pd.DataFrame({"model_a": ["a", "c"], "model_b": ["b", "d"], "winner": ["model_a", "model_b"]})
    with pytest.raises(HumansError, match=r"disconnected: 2 groups .*\{a, b\}; \{c, d\}"):
        bt_scores(votes)


@pytest.mark.parametrize(
    "frame,message",
    [
        ({"model_a": ["a"], "model_b": ["b"]}, "missing column"),
        ({"model_a": ["a", "a"], "model_b": ["b", "b"], "winner": ["model_a", "A wins"]}, "row 2: winner is 'A wins'"),
        ({"model_a": ["a"], "model_b": ["a"], "winner": ["tie"]}, "row 1: model_b is 'a'; a model cannot be compared"),
        ({"model_a": ["a"], "model_b": ["b"], "winner": ["tie"], "weight": [-1]}, "row 1: weight is -1"),
    ],
)
def test_bad_votes_are_clear_errors(frame, message):
    with pytest.raises(HumansError, match=message):
        bt_scores(pd.DataFrame(frame))


def test_bad_options_are_clear_errors():
    votes = simulate_votes([0.0, 1.0], raters=2, votes_per_rater=10, seed=1)
    with pytest.raises(HumansError, match="ties is 'halves'"):
        bt_scores(votes, ties="halves")
    with pytest.raises(HumansError, match="needs at least one tie"):
        bt_scores(votes, ties="davidson")
    with pytest.raises(HumansError, match="needs bootstrap rounds"):
        bt_scores(votes, cluster="rater")
    with pytest.raises(HumansError, match=r"missing column\(s\) left"):
        bt_scores(votes.drop(columns="left"), position=True)
