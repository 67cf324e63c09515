"""A Hugging Face dataset folder: Parquet files under ``data/`` and a dataset card (``README.md``).

The card's YAML header declares the configs (``votes`` or ``ratings``, the default, and ``preference_pairs``), each
config's features and row count, a license placeholder and tags; its body says how the data were collected, what
each column means and what was left out. ``datasets.load_dataset(folder)`` reads the default config,
``load_dataset(folder, "preference_pairs")`` the pairs.
"""

from __future__ import annotations

import secrets
import shutil
from collections import Counter
from pathlib import Path

import yaml

from analysis.errors import HumansError
from annotation_app.export.tables import ExportTable, StudyExport
from annotation_app.export.writers import write_parquet

__all__ = ["CARD_MARKER", "dataset_card", "write_hf"]

#: A line every card written here contains; an existing folder is replaced only when its README has it.
CARD_MARKER = "<!-- written by `humans export` -->"

_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))


def _size_category(n: int) -> str:
    return next((label for limit, label in _SIZES if n < limit), "1M<n<10M")


def _header(export: StudyExport) -> dict:
    configs, infos = [], []
    for i, table in enumerate(export.tables):
        config = {"config_name": table.name, "data_files": [{"split": "train", "path": f"data/{table.name}.parquet"}]}
        if i == 0:
            config["default"] = True
        configs.append(config)
        infos.append(
            {
                "config_name": table.name,
                "features": [{"name": c.name, "dtype": c.dtype} for c in table.columns],
                "splits": [{"name": "train", "num_bytes": int(table.to_arrow().nbytes), "num_examples": len(table)}],
            }
        )
    return {
        "pretty_name": export.title,
        "license": "other",
        "license_name": "to-be-decided",
        "tags": ["human-preference", "speech", "voice-assistants", "pairwise-comparison", "humans-lab"],
        "size_categories": [_size_category(len(export.main))],
        "configs": configs,
        "dataset_info": infos,
    }


def _collection(export: StudyExport) -> list[str]:
    c = export.config
    r, q, t = c.rating, c.quality, c.targets
    if r.likert_only:
        task = f"listened to one conversation per trial and rated it on a {r.likert_points}-point scale"
    else:
        five = "A much better / A better / tie / B better / B much better"
        scale = "A / tie / B" if r.preference_points == 3 else five
        task = f"listened to two conversations for the same scenario side by side and chose on a {scale} scale"
        if r.allow_both_bad:
            task += ", with a 'both are bad' option"
        if "right" in r.likert_sides:
            task += f", and rated each conversation on a {r.likert_points}-point scale"
    return [
        f'Raters {task}. The question was: "{r.likert_question if r.likert_only else r.preference_question}"',
        "",
        "- Blinding: raters never saw model names; audio was served under content-hash names; the left/right "
        "order was counterbalanced per model pair and is recorded in `left`.",
        f"- Listening: the answer buttons unlocked only after both conversations had played "
        f"(full playback required: {str(q.require_full_playback).lower()}); the server refused answers arriving "
        f"before {q.min_listen_fraction:.0%} of the audio could have been heard.",
        f"- Quality control: {q.practice_trials} practice trial(s) and {q.attention_checks} attention check(s) per "
        f"rater (a deliberately bad conversation against a good one); raters failing them were "
        f"{'flagged' if q.on_attention_fail == 'flag' else 'screened out'}.",
        f"- Design: {t.trials_per_rater} trials per rater, target {t.raters_per_pair} raters per "
        f"{r.unit}, {t.scheduling} scheduling.",
        f"- Free-text reason: {r.reason}.",
    ]


def _counts(export: StudyExport) -> list[str]:
    main = export.main
    models = sorted({m for r in main.rows for m in ((r["model"],) if "model" in r else (r["model_a"], r["model_b"]))})
    lines = [
        f"- {len(main)} {'ratings' if export.config.rating.likert_only else 'votes'} from {export.raters} raters "
        f"on {len({r['scenario'] for r in main.rows})} scenarios and {len(models)} models.",
    ]
    if export.preferences is not None:
        lines.append(f"- {len(export.preferences)} decisive votes in `preference_pairs`.")
        winners = Counter(r["winner"] for r in main.rows)
        lines.append(
            "- Outcomes: "
            + ", ".join(f"{k} {winners.get(k, 0)}" for k in ("model_a", "model_b", "tie", "both_bad"))
            + "."
        )
    lines.append(f"- Models: {', '.join(models) or 'none'}.")
    return lines


def _excluded(export: StudyExport) -> list[str]:
    lines = []
    if export.include_checks:
        lines.append("- Attention-check and practice answers are included, marked in `kind`; use `kind == 'trial'`.")
    else:
        lines.append(
            f"- Attention-check and practice answers are not included ({export.excluded_checks} left out); "
            "`rater_attention_checks` and `rater_attention_failed` summarise each rater's checks."
        )
    if export.include_flagged:
        lines.append("- Votes of flagged raters are included, marked in `rater_flagged`.")
    else:
        lines.append(f"- Votes of flagged raters are not included ({export.excluded_flagged} left out).")
    lines.append(
        "- Rater identities: only a pseudonym (salted SHA-256 of the platform id; the salt stays in the study "
        "database) is published."
    )
    return lines


def _columns(table: ExportTable) -> list[str]:
    lines = [f"### `{table.name}`", "", "| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.dtype} | {c.description} |" for c in table.columns]
    return [*lines, ""]


def dataset_card(export: StudyExport) -> str:
    """The README.md of the dataset folder: YAML header, then collection, counts, exclusions, columns, license."""
    header = yaml.safe_dump(_header(export), sort_keys=False, allow_unicode=True, width=1000)
    body = [
        f"# {export.title}",
        "",
        CARD_MARKER,
        "",
        f"Human preference data for voice assistants, exported from study `{export.study_id}` "
        f"(content hash `{export.config_hash}`) with the HUMANS preference lab.",
        "",
        "## How it was collected",
        "",
        *_collection(export),
        "",
        "## Counts",
        "",
        *_counts(export),
        "",
        "## What is left out",
        "",
        *_excluded(export),
        "",
        "## Columns",
        "",
        *(line for table in export.tables for line in _columns(table)),
        "## Use",
        "",
        "```python",
        "from datasets import load_dataset",
        f"votes = load_dataset(PATH)  # the {export.main.name} table",
        *(
            ['pairs = load_dataset(PATH, "preference_pairs")  # chosen/rejected for preference training']
            if export.preferences is not None
            else []
        ),
        "```",
        "",
        "## License",
        "",
        "To be decided by the study's authors before publishing (the header says `license: other`).",
        "",
    ]
    return f"---\n{header}---\n\n" + "\n".join(body)


def write_hf(export: StudyExport, folder: Path) -> list[Path]:
    """Write the dataset folder ``folder`` (replacing a previous export there); returns the files written.

    Raises
    ------
    HumansError
        When ``folder`` exists and is a file, or a non-empty folder that is not a previous export.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise HumansError(f"{folder} is a file; give --out a folder name for the hf format.")
    if folder.is_dir() and any(folder.iterdir()):
        readme = folder / "README.md"
        if not (readme.is_file() and CARD_MARKER in readme.read_text(encoding="utf-8", errors="replace")):
            raise HumansError(f"{folder} is a non-empty folder that is not a humans export; give a new --out folder.")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = folder.with_name(f".{folder.name}.{secrets.token_hex(4)}.part")
        staging.mkdir()
    except OSError as exc:
        raise HumansError(f"{folder}: cannot write here ({exc.strerror}); choose another --out.") from exc
    try:
        for table in export.tables:
            write_parquet(table, staging / "data" / f"{table.name}.parquet")
        (staging / "README.md").write_text(dataset_card(export), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [folder / "README.md", *(folder / "data" / f"{t.name}.parquet" for t in export.tables)]
