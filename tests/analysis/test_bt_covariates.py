"""Length-controlled Bradley–Terry: cross-solver agreement, recovery of a known truth under a length bias, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

from analysis import HumansError
from analysis.bt_covariates import bt_controlled, covariate_features
from analysis.simulate.length_bias import simulate_length_biased_votes
from annotation_app.cli import cli

#: Agreement with scikit-learn's unpenalised logistic regression on the same design.
SKLEARN_ATOL = 1e-4

THETA = np.array([0.6, 0.2, 0.0, -0.3, -0.5]) - np.mean([0.6, 0.2, 0.0, -0.3, -0.5])
#: Weaker models talk more: plain Bradley–Terry rewards them for it.
LOG_LENGTH = np.log([8.0, 12.0, 20.0, 35.0, 60.0])
MODELS = [f"m{k:02d}" for k in range(5)]


def test_matches_sklearn_logistic_regression_on_the_same_design():
    votes = simulate_length_biased_votes(THETA, LOG_LENGTH, raters=20, votes_per_rater=30, seed=5)
    result = bt_controlled(votes, ["duration", "words"], ridge=0.0)
    z, _ = covariate_features(votes, ["duration", "words"])
    index = {m: k for k, m in enumerate(MODELS)}
    x = np.zeros((len(votes), len(MODELS)))
    x[np.arange(len(votes)), votes["model_a"].map(index)] += 1
    x[np.arange(len(votes)), votes["model_b"].map(index)] -= 1
    design = np.column_stack([x[:, 1:], z])  # m00 as the reference
    y = (votes["winner"] == "model_a").to_numpy()
    fit = LogisticRegression(C=1e12, fit_intercept=False, tol=1e-10, max_iter=10_000).fit(design, y)
    theta = np.r_[0.0, fit.coef_[0][:4]]
    theta -= theta.mean()
    ours = result.table.set_index("model").loc[MODELS, "theta"].to_numpy()
    np.testing.assert_allclose(ours, theta, atol=SKLEARN_ATOL)
    np.testing.assert_allclose(result.coefficients["coef"], fit.coef_[0][4:], atol=SKLEARN_ATOL)


def test_controlled_recovers_truth_where_raw_does_not():
    """Over 30 simulated studies, 95% intervals of the controlled strengths cover the truth about 95% of the time;
    the raw ones, biased by length, mostly miss it."""
    covered_controlled = covered_raw = covered_gamma = 0
    error_controlled, error_raw = [], []
    for seed in range(30):
        votes = simulate_length_biased_votes(THETA, LOG_LENGTH, length_bias=2.0, seed=seed)
        result = bt_controlled(votes, ["duration"])
        table = result.table.set_index("model").loc[MODELS]
        covered_controlled += int(((table.theta_low <= THETA) & (table.theta_high >= THETA)).sum())
        covered_raw += int(((table.theta_raw_low <= THETA) & (table.theta_raw_high >= THETA)).sum())
        error_controlled.append(np.abs(table.theta - THETA).mean())
        error_raw.append(np.abs(table.theta_raw - THETA).mean())
        coef = result.coefficients.iloc[0]
        covered_gamma += int(coef.low <= 2.0 * coef.scale <= coef.high)
    assert covered_controlled / 150 >= 0.88
    assert covered_raw / 150 <= 0.4
    assert np.mean(error_controlled) < 0.15 < 0.4 < np.mean(error_raw)
    assert covered_gamma >= 25
    # the longest-talking, weakest model wins the raw leaderboard and is last once controlled
    assert result.table.loc[result.table["model"] == "m04", "rank_raw"].item() == 1
    assert result.table["model"].iloc[0] == "m00"


def test_no_length_bias_leaves_scores_near_raw_and_coefficient_near_zero():
    votes = simulate_length_biased_votes(THETA, LOG_LENGTH, length_bias=0.0, length_sd=0.8, raters=60, seed=2)
    result = bt_controlled(votes, ["duration"], bootstrap=200, cluster="rater", seed=1)
    coef = result.coefficients.iloc[0]
    assert coef.low < 0 < coef.high
    table = result.table.set_index("model").loc[MODELS]
    assert ((table.theta_low <= THETA) & (table.theta_high >= THETA)).sum() >= 4
    assert (table.theta_low < table.theta).all() and (table.theta < table.theta_high).all()


def test_ties_count_half_and_swapping_sides_changes_nothing():
    votes = simulate_length_biased_votes(THETA, LOG_LENGTH, raters=10, seed=3)
    votes.loc[votes.index[::7], "winner"] = "tie"
    swapped = votes.rename(
        columns={
            "model_a": "model_b", "model_b": "model_a", "duration_a": "duration_b", "duration_b": "duration_a",
            "words_a": "words_b", "words_b": "words_a", "turns_a": "turns_b", "turns_b": "turns_a",
        }
    )  # fmt: skip
    swapped["winner"] = swapped["winner"].map({"model_a": "model_b", "model_b": "model_a", "tie": "tie"})
    one = bt_controlled(votes, ["duration", "turns"])
    two = bt_controlled(swapped, ["duration", "turns"])
    pd.testing.assert_frame_equal(one.table, two.table, atol=1e-8)
    pd.testing.assert_frame_equal(one.coefficients, two.coefficients, atol=1e-8)


@pytest.mark.parametrize(
    "change,covariates,message",
    [
        (lambda v: v.drop(columns=["words_b"]), ["words"], "--control words needs the columns words_a, words_b"),
        (lambda v: v.assign(turns_a=1, turns_b=1), ["turns"], "covariate turns is the same on both sides"),
        (lambda v: v, ["loudness"], "unknown covariate 'loudness'"),
        (lambda v: v.assign(duration_a=-1.0), ["duration"], "row 2: duration_a='-1.0'"),
    ],
)
def test_bad_covariates_are_named(change, covariates, message):
    votes = change(simulate_length_biased_votes(THETA, LOG_LENGTH, raters=2, votes_per_rater=20, seed=0))
    with pytest.raises(HumansError, match=message.replace("(", r"\(").replace(")", r"\)")):
        bt_controlled(votes, covariates)


def test_cli_scores_control_prints_both_leaderboards_and_coefficients(tmp_path):
    path = tmp_path / "votes.csv"
    simulate_length_biased_votes(THETA, LOG_LENGTH, seed=4).to_csv(path, index=False)
    out = tmp_path / "controlled.csv"
    result = CliRunner().invoke(cli, ["scores", str(path), "--control", "duration,words", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "controlled for duration, words; raw Bradley–Terry beside it" in result.output
    assert "  duration  +" in result.output and "  words " in result.output
    table = pd.read_csv(out)
    assert {"theta", "theta_raw", "rank", "rank_raw", "theta_low", "theta_raw_high"} <= set(table.columns)
    assert table["model"].iloc[0] == "m00"
    bad = CliRunner().invoke(cli, ["scores", str(path), "--control", "duration", "--ties", "davidson"])
    assert bad.exit_code == 1 and "--control works with --ties half or drop" in bad.output
