"""The study platform: study folders, the SQLite store, the scheduler, rater and admin UIs, export, CLI."""

__version__ = "0.1.0"
