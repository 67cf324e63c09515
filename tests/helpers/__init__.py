"""Test helpers shared by every test package (importable as ``helpers``: pyproject puts ``tests/`` on the path).

- :mod:`helpers.studies`: real small studies: :func:`~helpers.studies.make_study` (a :class:`Study` object),
  :func:`~helpers.studies.write_study_folder` (a folder: study.yaml, conversations.jsonl, WAV tones), a fake
  clock and helpers that walk a rater to the trials.
- :mod:`helpers.study_files`: the pieces of a study folder one by one, to break on purpose (loader tests).
- :mod:`helpers.ui_study` and :mod:`helpers.reliability_study`: the study folders of the UI and reliability
  suites, built with :func:`~helpers.studies.write_study_folder`.
"""
