"""Which trial a rater gets next: balance, targets, attention checks, reclaiming expired slots, active mode."""

from annotation_app.scheduler.active import ScoreFn, bt_scores_from_counts
from annotation_app.scheduler.gold import gold_items
from annotation_app.scheduler.scheduler import Scheduler

__all__ = ["Scheduler", "ScoreFn", "bt_scores_from_counts", "gold_items"]
