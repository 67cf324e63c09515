"""One table reader, one error style: path, what is wrong, what to do."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.benchmark_data import load_benchmark
from analysis.errors import HumansError
from analysis.human_targets import read_human_scores
from analysis.humans_subset import read_subset
from analysis.table_files import read_table


def test_reads_csv_tsv_and_parquet(tmp_path):
    frame = pd.DataFrame({"model": ["a", "b"], "score": [0.5, 1.0]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_csv(tmp_path / "t.tsv", index=False, sep="\t")
    frame.to_parquet(tmp_path / "t.parquet")
    for name in ("t.csv", "t.tsv", "t.parquet"):
        pd.testing.assert_frame_equal(read_table(tmp_path / name), frame)


@pytest.mark.parametrize("reader", [read_table, read_human_scores, read_subset])
def test_every_reader_reports_a_missing_file_the_same_way(tmp_path, reader):
    with pytest.raises(HumansError, match=r"gone\.csv: no such file; check the path\.$"):
        reader(tmp_path / "gone.csv")


def test_unreadable_and_unknown_files_name_the_file_and_the_format(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(HumansError, match=r"x\.json: unknown file type '\.json'; use \.csv, \.tsv or \.parquet"):
        read_table(tmp_path / "x.json")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(HumansError, match=r"bad\.parquet: cannot be read as parquet \(.+\); check the file\."):
        read_table(tmp_path / "bad.parquet")
    (tmp_path / "ragged.csv").write_text('model,item,task,score\na,"i1,t,1\n')
    with pytest.raises(HumansError, match=r"ragged\.csv: cannot be read as csv \(.+\); check the file\."):
        load_benchmark(tmp_path / "ragged.csv")
