"""helpers.plotting.density: histograms of log-densities."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.plotting import plot_log_density_histograms
from helpers.plotting.density import GROUP_COLORS


def test_one_histogram_per_group_normalised_and_coloured():
    rng = np.random.default_rng(0)
    groups = {"real": rng.normal(400, 50, 200), "fools": np.array([-5000.0, -800.0, 790.0])}
    fig, ax = plt.subplots()
    returned = plot_log_density_histograms(groups, bins=20, ax=ax)
    assert returned is ax
    assert ax.get_xscale() == "symlog"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["real (200)", "fools (3)"]
    assert len(ax.containers) == 2
    for container, values, color in zip(ax.containers, groups.values(), GROUP_COLORS):
        heights = np.array([patch.get_height() for patch in container])
        assert heights.sum() == pytest.approx(1.0)  # shares of the group's images
        assert np.allclose(container[0].get_facecolor()[:3], plt.matplotlib.colors.to_rgb(color))


def test_thresholds_are_drawn_as_vertical_lines():
    fig, ax = plt.subplots()
    plot_log_density_histograms({"a": [1.0, 2.0, 3.0]}, threshold=(0.5, 2.5), ax=ax)
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [0.5, 2.5]
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend.count("ends of the typical range") == 1 and "threshold" not in legend
    fig, ax = plt.subplots()
    plot_log_density_histograms({"a": [1.0, 2.0, 3.0]}, threshold=1.5, ax=ax)
    assert len(ax.get_lines()) == 1
    assert "threshold" in [text.get_text() for text in ax.get_legend().get_texts()]


def test_draws_on_the_current_axes_by_default():
    fig, ax = plt.subplots()
    assert plot_log_density_histograms({"a": [1.0, 1.0]}) is ax


@pytest.mark.parametrize(
    "groups, threshold, match",
    [
        ({}, None, "empty"),
        ({"a": []}, None, "non-empty 1-D"),
        ({"a": [[1.0, 2.0]]}, None, "non-empty 1-D"),
        ({"a": [1.0, np.nan]}, None, "NaN"),
        ({"a": [1.0, 2.0]}, np.inf, "threshold"),
        ({"a": [1.0, 2.0]}, (1.0, 2.0, 3.0), "threshold"),
        ({str(k): [1.0] for k in range(11)}, None, "at most"),
    ],
)
def test_errors(groups, threshold, match):
    with pytest.raises(ValueError, match=match):
        plot_log_density_histograms(groups, threshold=threshold)


def test_bins_must_be_positive():
    with pytest.raises(ValueError, match="bins"):
        plot_log_density_histograms({"a": [1.0, 2.0]}, bins=0)


def test_the_extremes_are_counted_whatever_the_transform_rounds_them_to():
    # The bin edges go through the symlog transform and back; the round trip can land a hair
    # inside the smallest or largest value, which ax.hist then silently leaves out. These two
    # came from notebook 05 (a tanh fool and a real digit); the others are random extremes.
    rng = np.random.default_rng(0)
    pairs = [(-7114.291242267913, 791.0814578024388)] + [
        (rng.uniform(-1e5, -20), rng.uniform(20, 1e4)) for _ in range(20)]
    for low, high in pairs:
        groups = {"extremes": np.array([low, high]), "middle": np.array([0.5 * (low + high)])}
        fig, ax = plt.subplots()
        plot_log_density_histograms(groups, ax=ax)
        for container in ax.containers:
            assert sum(patch.get_height() for patch in container) == pytest.approx(1.0), (low, high)
        plt.close(fig)
