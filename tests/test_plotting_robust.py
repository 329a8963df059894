"""helpers.plotting.robust: the three numbers per digit and the robust accuracies, drawn as given."""

import numpy as np
import pandas as pd
import pytest

from helpers.plotting import plot_robust_accuracy, plot_three_numbers


@pytest.fixture
def digits():
    return pd.DataFrame({"interval radius": [0.01, 0.0, 0.02],
                         "lp radius": [0.04, 0.03, 0.05],
                         "exact": [0.06, 0.05, 0.12],
                         "status": ["optimal", "optimal", "time limit"],
                         "pgd smallest": [0.061, np.nan, 0.13]})


@pytest.fixture
def accuracies():
    return pd.DataFrame({"network": ["standard"] * 4 + ["trained"] * 4,
                         "measure": ["clean", "clean", "exact", "exact"] * 2,
                         "value": [0.93, 0.94, 0.05, 0.1, 0.9, 0.92, 0.7, 0.8]})


def _points(ax):
    return [c.get_offsets() for c in ax.collections if c.__class__.__name__ == "PathCollection"]


def test_three_numbers_sorted_by_the_exact_minimum(digits):
    ax = plot_three_numbers(digits)
    drawn = _points(ax)
    # interval, LP, the proven minima, the unproven one, PGD (its NaN not drawn)
    assert [len(d) for d in drawn] == [3, 3, 2, 1, 2]
    np.testing.assert_allclose(drawn[2][:, 1], [0.05, 0.06])  # by rank: digit 1, then 0
    np.testing.assert_allclose(drawn[3][:, 1], [0.12])
    assert drawn[0][:, 1].min() > 0  # a certificate of 0 at the floor of the log axis
    assert ax.get_yscale() == "log"


def test_three_numbers_reject_a_table_without_the_exact_minimum(digits):
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['exact'\]"):
        plot_three_numbers(digits.drop(columns="exact"))


def test_three_numbers_reject_a_negative_size(digits):
    digits.loc[0, "lp radius"] = -0.1
    with pytest.raises(ValueError, match="negative size"):
        plot_three_numbers(digits)


def test_robust_accuracy_bars_are_medians_and_lines_ranges(accuracies):
    ax = plot_robust_accuracy(accuracies)
    heights = sorted(round(p.get_height(), 3) for p in ax.patches)
    assert heights == [0.075, 0.75, 0.91, 0.935]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["standard", "trained"]
    ranges = np.concatenate([c.get_segments() for c in ax.collections])
    assert sorted(round(s[:, 1].max() - s[:, 1].min(), 3) for s in ranges) == \
        [0.01, 0.02, 0.05, 0.1]


def test_robust_accuracy_rejects_a_share_above_one(accuracies):
    accuracies.loc[0, "value"] = 93.0
    with pytest.raises(ValueError, match=r"shares in \[0, 1\]"):
        plot_robust_accuracy(accuracies)


def test_robust_accuracy_rejects_a_wide_table():
    with pytest.raises(ValueError, match="lacks the column"):
        plot_robust_accuracy(pd.DataFrame({"network": ["a"], "clean": [0.9]}))
