"""helpers.plotting.exact: the gap figure and the minimal-change picture draw what they are given."""

import numpy as np
import pandas as pd
import pytest

from helpers.plotting import plot_attack_gaps, plot_minimal_changes


@pytest.fixture
def gaps():
    return pd.DataFrame({"model": ["a", "a", "b", "b"], "attack": ["PGD", "FGSM", "PGD", "FGSM"],
                         "ratio": [1.0, 2.5, 1.2, np.nan]})


def test_gaps_draw_one_point_per_finite_ratio_and_the_exact_line(gaps):
    ax = plot_attack_gaps(gaps)
    points = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections
                             if c.get_offsets().shape[0] and c.__class__.__name__ == "PathCollection"])
    assert sorted(points) == [1.0, 1.2, 2.5]
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]


def test_gaps_reject_a_table_without_ratios(gaps):
    with pytest.raises(ValueError, match="ratio"):
        plot_attack_gaps(gaps.drop(columns="ratio"))


def test_changes_share_one_symmetric_scale():
    rng = np.random.default_rng(0)
    digit = rng.uniform(size=784)
    small, large = rng.uniform(-0.1, 0.1, 784), rng.uniform(-0.3, 0.2, 784)
    axes = plot_minimal_changes(digit, {"exact": small, "PGD": large})
    assert len(axes) == 3
    limits = [ax.images[0].get_clim() for ax in axes[1:]]
    scale = np.abs(large).max()
    assert limits == [(-scale, scale), (-scale, scale)]
    assert axes[0].images[0].get_clim() == (0.0, 1.0)


def test_changes_reject_an_image_of_the_wrong_size():
    with pytest.raises(ValueError, match="784 pixels"):
        plot_minimal_changes(np.zeros(10), {"exact": np.zeros(784)})


def test_changes_reject_a_change_of_the_wrong_size():
    with pytest.raises(ValueError, match="change 'exact'"):
        plot_minimal_changes(np.zeros(784), {"exact": np.zeros(10)})


def test_changes_reject_no_changes():
    with pytest.raises(ValueError, match="empty"):
        plot_minimal_changes(np.zeros(784), {})


@pytest.mark.parametrize(
    "ratios, message",
    [([np.nan, np.nan], r"table\['ratio'\] is NaN in every row"),
     ([1.2, 0.0], r"table\['ratio'\] holds 1 value\(s\) <= 0"),
     (["big", 1.0], r"table\['ratio'\] must hold numbers only")],
    ids=["all NaN", "zero", "text"],
)
def test_attack_gaps_refuse_ratios_it_cannot_draw(ratios, message):
    table = pd.DataFrame({"model": ["m", "m"], "attack": ["FGSM", "PGD"], "ratio": ratios})
    with pytest.raises(ValueError, match=message):
        plot_attack_gaps(table)
