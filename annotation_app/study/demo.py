"""The bundled demo study (package data ``annotation_app/demo_study``) and :func:`init_study`, which copies it.

The demo ships inside the ``annotation_app`` package (``[tool.setuptools.package-data]``), so an installed wheel
has it as well as a source checkout; :func:`demo_study_path` finds it with :mod:`importlib.resources`.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from analysis.errors import HumansError

__all__ = ["EXAMPLES", "demo_study_path", "init_study"]

#: What :func:`init_study` copies: the study files, not the generator script.
_STUDY_FILES = ("study.yaml", "conversations.jsonl", "audio")

#: Bundled examples: name -> what it shows. Every example but the demo is a ``<name>-study.yaml`` in the demo's
#: folder, and uses the demo's conversations and audio.
EXAMPLES = {
    "demo": "the demo study: pairwise votes, one practice trial, one attention check",
    "full": "every quality feature on: headphone screening, questionnaires, aspects, re-shows, screen-out codes",
}


def demo_study_path() -> Path:
    """The folder of the bundled demo study (9 scenarios × 4 models, synthesised speech).

    Raises
    ------
    HumansError
        When the installation lacks the package data (a broken or hand-trimmed install).
    """
    root = resources.files("annotation_app") / "demo_study"
    path = Path(str(root))
    if not (path / "study.yaml").is_file():
        raise HumansError(
            f"the demo study is not at {path}; the installation lacks its package data, reinstall humans-lab "
            "(`pip install --force-reinstall humans-lab` or `pip install .` in its source folder)."
        )
    return path


def init_study(directory: str | Path, example: str = "demo") -> Path:
    """Write a valid example study (a copy of the demo study, its study.yaml commented) into ``directory``.

    Parameters
    ----------
    directory : str or Path
        A folder that does not exist yet or is empty.
    example : {"demo", "full"}, default "demo"
        Which study.yaml: the demo's, or ``full-study.yaml`` beside it with every quality feature on (see
        :data:`EXAMPLES`).

    Returns
    -------
    Path
        The folder written.

    Raises
    ------
    HumansError
        If ``directory`` is a file or a folder that is not empty (nothing is written then).
    """
    if example not in EXAMPLES:
        raise HumansError(f"there is no example {example!r}; choose one of {', '.join(EXAMPLES)}")
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise HumansError(f"{target} is a file; give the name of a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise HumansError(f"{target} is not empty; give a new or empty folder so nothing of yours is overwritten")
    source = demo_study_path()
    target.mkdir(parents=True, exist_ok=True)
    try:
        for name in _STUDY_FILES:
            item = source / name
            if name == "study.yaml" and example != "demo":
                item = source / f"{example}-study.yaml"
            if item.is_dir():
                shutil.copytree(item, target / name)
            else:
                shutil.copy2(item, target / name)
    except OSError as exc:
        for name in _STUDY_FILES:  # leave nothing half-written
            written = target / name
            if written.is_dir():
                shutil.rmtree(written, ignore_errors=True)
            else:
                written.unlink(missing_ok=True)
        raise HumansError(f"could not write the study into {target} ({exc.strerror}); check the folder") from None
    return target
