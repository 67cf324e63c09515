"""2PL IRT: recovery of known abilities and items, the pattern shortcut, ability estimation, errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from analysis.errors import HumansError
from analysis.irt import IRT2PL, estimate_ability, item_information

#: Agreement between the fit on distinct patterns with counts and the fit on every item column.
PATTERN_ATOL = 1e-6


def _simulate(rng, n_models=60, n_items=400):
    theta = rng.normal(size=n_models)
    a = rng.uniform(0.6, 2.0, n_items)
    d = rng.normal(0, 1.2, n_items)
    y = (rng.random((n_models, n_items)) < expit(np.outer(theta, a) + d)).astype(float)
    return theta, a, d, y


def test_fit_recovers_abilities_and_item_parameters(rng):
    theta, a, d, y = _simulate(rng)
    irt = IRT2PL().fit(y)
    assert np.corrcoef(irt.theta_, theta)[0, 1] > 0.97
    assert np.corrcoef(irt.a_, a)[0, 1] > 0.6
    assert np.corrcoef(irt.d_, d)[0, 1] > 0.9
    assert irt.theta_.mean() == pytest.approx(0.0, abs=1e-9)
    assert irt.theta_.std() == pytest.approx(1.0, abs=1e-6)
    assert irt.n_iter_ < irt.max_iter


def test_fit_on_distinct_patterns_with_counts_equals_fit_on_all_items(rng):
    _, _, _, y = _simulate(rng, n_models=8, n_items=300)  # 8 binary models: many repeated columns
    cols, first, inverse, counts = np.unique(y.T, axis=0, return_index=True, return_inverse=True, return_counts=True)
    assert len(first) < 300
    full = IRT2PL(tol=1e-8, max_iter=500).fit(y)
    pat = IRT2PL(tol=1e-8, max_iter=500).fit(cols.T, counts)
    np.testing.assert_allclose(pat.theta_, full.theta_, atol=PATTERN_ATOL)
    np.testing.assert_allclose(pat.a_[inverse.ravel()], full.a_, atol=PATTERN_ATOL)


def test_estimate_ability_of_new_models_tracks_truth(rng):
    theta, a, d, y = _simulate(rng, n_models=80, n_items=300)
    est = estimate_ability(y, a, d)
    assert np.corrcoef(est, theta)[0, 1] > 0.95


def test_information_peaks_where_the_item_is_fifty_fifty():
    grid = np.linspace(-3, 3, 601)
    info = item_information(grid, np.array([1.5]), np.array([0.75]))[:, 0]  # p = 0.5 at theta = -0.5
    assert grid[np.argmax(info)] == pytest.approx(-0.5, abs=0.01)
    assert info.max() == pytest.approx(1.5**2 / 4)


def test_bad_input_and_unfitted_use_raise():
    with pytest.raises(HumansError, match=r"scores must lie in \[0, 1\]"):
        IRT2PL().fit(np.array([[0.0, 2.0], [1.0, 0.0]]))
    with pytest.raises(HumansError, match="at least 2 models"):
        IRT2PL().fit(np.array([[0.0, 1.0]]))
    with pytest.raises(HumansError, match="not fitted yet"):
        IRT2PL().probabilities(np.zeros(2))


def test_float32_blocks_and_rebuilt_blocks_give_the_float64_cached_fit(rng, monkeypatch):
    import analysis.irt as irt_module

    _, _, _, y = _simulate(rng, n_models=120, n_items=300)
    y[rng.random(y.shape) < 0.1] = np.nan  # gaps: the blocks carry an observed mask
    ref = IRT2PL().fit(y)
    monkeypatch.setattr(irt_module, "_CACHE_CELLS", 0)  # blocks rebuilt on every pass
    rebuilt = IRT2PL().fit(y)
    monkeypatch.setattr(irt_module, "_FLOAT32_CELLS", 0)  # every fit in float32
    single = IRT2PL().fit(y.astype(np.float32))
    for fit, atol in ((rebuilt, 1e-12), (single, 1e-4)):
        assert fit.n_iter_ == ref.n_iter_
        np.testing.assert_allclose(fit.a_, ref.a_, atol=atol)
        np.testing.assert_allclose(fit.d_, ref.d_, atol=atol)
        np.testing.assert_allclose(fit.theta_, ref.theta_, atol=atol)
