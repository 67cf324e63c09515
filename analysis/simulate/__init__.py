"""Simulated studies and benchmarks with a known truth, so every analysis can be checked against it."""

from analysis.simulate.benchmark import SimulatedBenchmark, simulate_benchmark
from analysis.simulate.length_bias import simulate_length_biased_votes
from analysis.simulate.votes import simulate_votes

__all__ = ["SimulatedBenchmark", "simulate_benchmark", "simulate_length_biased_votes", "simulate_votes"]
