"""helpers.plotting.digits: what each digit or network figure draws."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Circle, Rectangle

from helpers.plotting import (
    CLASS_COLORS,
    format_probability,
    plot_activation_bounds,
    plot_confidence_ceiling,
    plot_digit,
    plot_digit_grid,
    plot_digit_sample,
    plot_fooling_images,
    plot_hidden_layer,
    plot_loss_curves,
)


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(0)
    return rng.uniform(size=(40, 784)), np.arange(40) % 4


def test_plot_digit_shows_one_28_by_28_image_without_ticks():
    ax = plot_digit(np.linspace(0, 1, 784), title="a digit")
    assert ax is plt.gca()
    assert len(ax.images) == 1
    assert ax.images[0].get_array().shape == (28, 28)
    assert ax.images[0].get_clim() == (0.0, 1.0)
    assert ax.get_title() == "a digit"
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []


def test_plot_digit_accepts_a_square_image_on_given_axes():
    _, ax = plt.subplots()
    assert plot_digit(np.zeros((28, 28)), ax=ax) is ax


@pytest.mark.parametrize("image, message", [
    (np.zeros(100), "28x28 images"),
    (np.zeros((2, 784)), "single image"),
    (np.full(784, np.nan), "NaN or infinite"),
])
def test_plot_digit_errors(image, message):
    with pytest.raises(ValueError, match=message):
        plot_digit(image)


def test_digit_grid_draws_each_image_and_circles_marked_pixels():
    images = np.zeros((3, 784))
    images[1, 30] = 1.0
    axes = plot_digit_grid(images, titles=["a", "b", "c"], ncols=2, marks=[None, 30, None])
    assert len(axes) == 4
    assert [ax.get_title() for ax in axes[:3]] == ["a", "b", "c"]
    assert len(axes[1].images) == 1
    np.testing.assert_array_equal(axes[1].images[0].get_array(), images[1].reshape(28, 28))
    circles = [p for p in axes[1].patches if isinstance(p, Circle)]
    assert len(circles) == 1 and circles[0].center == (2, 1)
    assert not [p for p in axes[0].patches if isinstance(p, Circle)]
    assert not axes[3].axison
    with pytest.raises(ValueError, match=r"shape \(n_images, 784\)"):
        plot_digit_grid(np.zeros((2, 64)))
    with pytest.raises(ValueError, match="titles has 1 entries for 3 images"):
        plot_digit_grid(images, titles=["a"])


def test_digit_grid_scales_to_the_value_range_or_to_each_image():
    images = np.linspace(-2.0, 2.0, 2 * 784).reshape(2, 784)
    fixed = plot_digit_grid(images, ncols=2, value_range=(-2, 2))
    assert fixed[0].images[0].get_clim() == (-2.0, 2.0)
    with pytest.raises(ValueError, match=r"pixels in \[-2, 2\], outside the range drawn, \[0, 1\]"):
        plot_digit_grid(images, ncols=2)  # would be drawn saturated, without a word
    own = plot_digit_grid(images, ncols=2, value_range=None)
    np.testing.assert_allclose(own[1].images[0].get_clim(), (images[1].min(), images[1].max()))


def test_digit_grid_labels_each_row_and_checks_the_labels():
    axes = plot_digit_grid(np.zeros((4, 784)), ncols=2, row_labels=["first", "second"])
    assert [axes[i].get_ylabel() for i in range(4)] == ["first", "", "second", ""]
    with pytest.raises(ValueError, match="row_labels has 1 entries for 2 rows"):
        plot_digit_grid(np.zeros((4, 784)), ncols=2, row_labels=["first"])


def test_digit_sample_has_one_row_per_class(digits):
    X, y = digits
    fig = plot_digit_sample(X, y, n_per_class=5)
    assert len(fig.axes) == 4 * 5
    assert all(len(ax.images) == 1 for ax in fig.axes)
    assert [fig.axes[5 * row].get_ylabel() for row in range(4)] == ["0", "1", "2", "3"]
    # Row of class 2 starts with the first image of class 2 (row 2 of X).
    np.testing.assert_array_equal(fig.axes[10].images[0].get_array(), X[2].reshape(28, 28))


def test_digit_sample_reuses_a_given_figure(digits):
    X, y = digits
    fig = plt.figure()
    fig.add_subplot()
    assert plot_digit_sample(X, y, n_per_class=2, fig=fig) is fig
    assert len(fig.axes) == 8


@pytest.mark.parametrize("kwargs, message", [
    ({"n_per_class": 11}, "fewer than n_per_class=11"),
    ({"n_per_class": 0}, "positive integer"),
    ({"y": np.zeros(3)}, "40 images but y has 3"),
])
def test_digit_sample_errors(digits, kwargs, message):
    X, y = digits
    arguments = {"y": y, **kwargs}
    with pytest.raises(ValueError, match=message):
        plot_digit_sample(X, **arguments)


def test_fooling_images_are_titled_and_share_a_centred_scale():
    X = np.zeros((3, 784))
    X[0, 0], X[1, 1] = -2.5, 1.5
    fig = plot_fooling_images(X, [0, 1, 2], [0.99999, 0.95, 0.9234],
                              np.array([[46.7, -20.5], [0.999, -0.999], [1.0, 2.0]]))
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 3 and len(fig.axes) == 4  # three images and a colour bar
    assert all(ax.images[0].get_clim() == (-2.5, 2.5) for ax in images)
    assert images[0].get_title() == "predicted 0, P > 0.999\nhidden = (46.7, -20.5)"
    assert images[1].get_title() == "predicted 1, P = 0.950\nhidden = (0.999, -0.999)"
    assert "pixel value: -2.5 to 1.5 (real digits: 0 to 1)" in fig.axes[-1].get_ylabel()


def test_fooling_images_need_one_entry_per_image():
    with pytest.raises(ValueError, match="one entry per image \\(2\\)"):
        plot_fooling_images(np.zeros((2, 784)), [0], [0.9, 0.9], np.zeros((2, 2)))


@pytest.mark.parametrize("p, text", [(0.9234, "P = 0.923"), (0.9996, "P > 0.999"),
                                     (0.9994, "P = 0.999"), (1.0, "P > 0.999")])
def test_format_probability_never_rounds_up_to_certainty(p, text):
    assert format_probability(p) == text


def test_loss_curves_one_line_per_network_on_a_log_scale():
    ax = plot_loss_curves({"identity": [1.2, 0.5, 0.31], "tanh": [1.0, 0.1]})
    lines = ax.get_lines()
    assert len(lines) == 2
    assert [to_hex(line.get_color()) for line in lines] == list(CLASS_COLORS[:2])
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["identity: 3 epochs, final loss 0.31", "tanh: 2 epochs, final loss 0.10"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])


@pytest.mark.parametrize("curves, message", [({}, "curves is empty"),
                                             ({"a": [1.0, -1.0]}, "loss curve of 'a'")])
def test_loss_curve_errors(curves, message):
    with pytest.raises(ValueError, match=message):
        plot_loss_curves(curves)


def test_hidden_layer_scatter_per_class_with_tanh_square():
    H = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, -0.7], [0.0, 0.0]])
    ax = plot_hidden_layer(H, [0, 1, 2, 1], misclassified=[False, True, False, False],
                           bounds=(-1, 1))
    assert len(ax.collections) == 4  # three classes and the misclassified circles
    assert [to_hex(c.get_facecolor()[0]) for c in ax.collections[:3]] == list(CLASS_COLORS[:3])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("hidden unit 1", "hidden unit 2")
    squares = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(squares) == 1 and squares[0].get_bbox().bounds == (-1.0, -1.0, 2.0, 2.0)
    assert "reachable: (-1, 1)²" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_hidden_layer_without_bounds_draws_no_square():
    ax = plot_hidden_layer(np.zeros((2, 2)), [0, 1])
    assert not ax.patches


@pytest.fixture
def saturated_layer():
    """A saturated tanh layer: 30 digits at (1, 1) (25 of class 1, 5 of class 3), 12 of class 0
    at (-1, -1), 3 at (1, -1), and 5 digits spread out in the middle."""
    H = np.vstack([np.full((30, 2), 1.0), np.full((12, 2), -1.0), np.tile([1.0, -1.0], (3, 1)),
                   np.column_stack([np.linspace(-0.5, 0.5, 5), np.linspace(0.4, -0.4, 5)])])
    y = np.array([1] * 25 + [3] * 5 + [0] * 12 + [2] * 3 + [0, 1, 2, 3, 0])
    return H, y


def test_hidden_layer_labels_each_crowded_spot_with_its_counts(saturated_layer):
    H, y = saturated_layer
    ax = plot_hidden_layer(H, y, bounds=(-1, 1), count_within=0.1, min_count=10)
    labels = [text.get_text() for text in ax.texts]
    assert labels == ["30 digits\n(1: 25, 3: 5)", "12 digits\n(0: 12)"]  # most crowded first
    # Each label points at its spot, and sits on the side towards the middle of the plot.
    assert [tuple(text.xy) for text in ax.texts] == [(1.0, 1.0), (-1.0, -1.0)]
    assert [tuple(text.xyann) for text in ax.texts] == [(-10.0, -10.0), (10.0, 10.0)]


def test_hidden_layer_counts_digits_within_one_cell_together(saturated_layer):
    H, y = saturated_layer
    H = H + np.random.default_rng(0).uniform(-0.02, 0.02, size=H.shape)  # nearly saturated
    ax = plot_hidden_layer(H, y, count_within=0.1, min_count=3)
    assert [text.get_text().split("\n")[0] for text in ax.texts] == ["30 digits", "12 digits", "3 digits"]


def test_hidden_layer_draws_no_counts_by_default(saturated_layer):
    assert not plot_hidden_layer(*saturated_layer).texts


@pytest.mark.parametrize("kwargs, message", [
    ({"count_within": 0.0}, "count_within must be a positive"),
    ({"count_within": np.nan}, "count_within must be a positive"),
    ({"count_within": 0.1, "min_count": 0}, "min_count must be a positive integer"),
    ({"count_within": 0.1, "min_count": 2.5}, "min_count must be a positive integer"),
])
def test_hidden_layer_count_errors(saturated_layer, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_hidden_layer(*saturated_layer, **kwargs)


def test_activation_bounds_keep_the_legend_entries_already_shown():
    _, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend()
    plot_activation_bounds((0, 1), label="unit square", ax=ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a line", "unit square"]


def test_activation_bounds_errors():
    with pytest.raises(ValueError, match="low < high"):
        plot_activation_bounds((1, -1))


def test_confidence_ceiling_bars_and_markers():
    ax = plot_confidence_ceiling([0, 1, 2], [0.94, 0.96, 0.92], [0.939, 0.958, 0.92],
                                 unbounded=[1.0, 1.0, 0.9999])
    bars = ax.patches
    assert len(bars) == 3
    assert [b.get_height() for b in bars] == [0.94, 0.96, 0.92]
    assert [to_hex(b.get_facecolor()) for b in bars] == list(CLASS_COLORS[:3])
    assert len(ax.collections) == 2
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.get_ylim() == pytest.approx((0.87, 1.06))


def test_confidence_ceiling_needs_one_value_per_class():
    with pytest.raises(ValueError, match="one probability per class \\(2\\)"):
        plot_confidence_ceiling([0, 1], [0.9, 0.9], [0.9])


@pytest.mark.parametrize(
    "H, message",
    [(np.zeros((3, 3)), r"H must have shape \(n_samples, 2\)"),
     (np.full((3, 2), np.nan), "H contains NaN"),
     (np.zeros((2, 2)), "H has 2 rows but y has 3 labels")],
    ids=["three units", "NaN", "short"],
)
def test_hidden_layer_calls_the_activations_h(H, message):
    with pytest.raises(ValueError, match=message):
        plot_hidden_layer(H, [0, 1, 2])
