"""helpers.data.load_result_table: the benchmark tables the notebooks read, from the series' folder."""

import pandas as pd
import pytest

from helpers import data


@pytest.mark.parametrize("name", list(data.RESULT_TABLES))
def test_every_table_the_notebooks_read_is_committed(name):
    table = data.load_result_table(name)
    assert not table.empty
    pd.testing.assert_frame_equal(table, pd.read_csv(data.RESULTS_DIR / f"{name}.csv"))


def test_the_index_column_is_used():
    seeds = data.load_result_table("seeds_networks", index_col="seed")
    assert seeds.index.name == "seed" and 21 in seeds.index


def test_each_table_names_the_script_that_writes_it():
    root = data.RESULTS_DIR.parents[1]
    for script in data.RESULT_TABLES.values():
        assert (root / script).is_file(), script


def test_an_unknown_table_is_named():
    with pytest.raises(ValueError, match=r"Unknown result table 'seed'; use one of \['seeds_networks'"):
        data.load_result_table("seed")


def test_outside_the_series_folder_the_error_says_what_it_needs(tmp_path, monkeypatch):
    # helpers installed from somewhere else than the series' folder: no benchmarks/results there
    monkeypatch.setattr(data, "RESULTS_DIR", tmp_path / "benchmarks" / "results")
    with pytest.raises(FileNotFoundError) as info:
        data.load_result_table("remedies")
    message = str(info.value)
    assert "\n" not in message  # one line
    assert message.startswith("This notebook needs the series' folder: it reads remedies.csv, "
                              "which benchmarks/remedies.py writes")
    assert str(tmp_path) in message and "run make lab in it" in message
