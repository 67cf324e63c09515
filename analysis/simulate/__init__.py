"""Simulated studies and benchmarks with a known truth, for testing estimators and the app."""

from analysis.simulate.votes import simulate_votes

__all__ = ["simulate_votes"]
