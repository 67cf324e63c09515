"""Ten subset-selection methods behind one interface (:class:`SubsetSelector`), keyed by name in :data:`METHODS`."""

from analysis.selection.anchor_points import AnchorPointsSelector
from analysis.selection.base import ESTIMATORS, SubsetSelector, TrainingSet
from analysis.selection.difficulty_stratified import DifficultyStratifiedSelector
from analysis.selection.disagreement import DisagreementSelector
from analysis.selection.greedy_forward import GreedyForwardSelector
from analysis.selection.irt_anchor import IRTAnchorSelector
from analysis.selection.irt_fisher import IRTFisherSelector
from analysis.selection.k_center import KCenterSelector
from analysis.selection.lasso import LassoSelector
from analysis.selection.random_subset import RandomSelector
from analysis.selection.stratified import StratifiedSelector

#: Selector class of every method, by its name (the order of results tables and plots).
METHODS: dict[str, type[SubsetSelector]] = {
    cls.name: cls
    for cls in (
        RandomSelector,
        StratifiedSelector,
        AnchorPointsSelector,
        IRTAnchorSelector,
        IRTFisherSelector,
        DisagreementSelector,
        DifficultyStratifiedSelector,
        GreedyForwardSelector,
        LassoSelector,
        KCenterSelector,
    )
}

#: Methods that lose to random subsets on the real reference data, with the measured evidence.
UNTRUSTED: dict[str, str] = {name: cls.evidence for name, cls in METHODS.items() if not cls.trusted}

__all__ = [
    "ESTIMATORS",
    "METHODS",
    "UNTRUSTED",
    "AnchorPointsSelector",
    "DifficultyStratifiedSelector",
    "DisagreementSelector",
    "GreedyForwardSelector",
    "IRTAnchorSelector",
    "IRTFisherSelector",
    "KCenterSelector",
    "LassoSelector",
    "RandomSelector",
    "StratifiedSelector",
    "SubsetSelector",
    "TrainingSet",
]
