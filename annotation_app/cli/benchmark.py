"""``humans simulate-benchmark``: item-level benchmark results and human scores with a known truth, as files."""

from __future__ import annotations

from pathlib import Path

import click

from analysis.errors import HumansError
from analysis.simulate import simulate_benchmark as simulate_benchmark_data

__all__ = ["COMMANDS"]


@click.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--models", "n_models", default=24, show_default=True, help="Number of models (at least 5).")
@click.option("--new-models", default=1, show_default=True, help="Models held out as 'new' (no human score).")
@click.option("--human-noise", default=0.02, show_default=True, help="Sd of the noise on the human scores.")
@click.option("--seed", default=0, show_default=True, help="Seed of the simulation.")
def simulate_benchmark(out: Path, n_models: int, new_models: int, human_noise: float, seed: int) -> None:
    """Write simulated item-level benchmark results and human scores to try `humans select` and `apply-subset`.

    Models have latent skills; items (10 tasks, 2,160 items) measure one skill each (2PL IRT, scores 0/1); people
    value one skill more than the benchmark does, so the full benchmark is an imperfect proxy of human preference.
    Writes OUT/items.csv (long: model, item, task, score), OUT/human.csv (model, human_score) for the study's
    models, and OUT/new-model-items.csv with the held-out models' item scores.

    Example:

        humans simulate-benchmark bench --models 24 --seed 0
    """
    if n_models - new_models < 4 or new_models < 0:
        raise HumansError(
            f"--models {n_models} with --new-models {new_models} leaves {n_models - new_models} models with human "
            "scores; keep at least 4."
        )
    sim = simulate_benchmark_data(n_models=n_models, human_noise=human_noise, seed=seed)
    long = sim.data.to_long()
    human = sim.human_frame()
    held_out = set(sim.data.models[n_models - new_models :])
    try:
        out.mkdir(parents=True, exist_ok=True)
        long[~long["model"].isin(held_out)].to_csv(out / "items.csv", index=False)
        human[~human["model"].isin(held_out)].to_csv(out / "human.csv", index=False)
        long[long["model"].isin(held_out)].to_csv(out / "new-model-items.csv", index=False)
    except OSError as exc:
        raise HumansError(f"{out}: cannot write the files ({exc.strerror}); choose a writable folder.") from exc
    click.echo(
        f"wrote {out}/items.csv ({n_models - new_models} models × {sim.data.n_items} items, "
        f"{len(sim.data.task_names)} tasks), {out}/human.csv and {out}/new-model-items.csv "
        f"({', '.join(sorted(held_out)) or 'no models'})"
    )


COMMANDS = [simulate_benchmark]
