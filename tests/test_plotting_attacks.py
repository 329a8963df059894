import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from helpers.plotting import (
    class_colors,
    plot_accuracy_under_attack,
    plot_norm_agreement,
    plot_perturbation_sizes,
    plot_pixel_ranges,
)


@pytest.fixture
def accuracy_table():
    eps = [0.0, 0.1, 0.2]
    rows = []
    for model, base in [("a", 0.9), ("b", 0.8)]:
        for attack, slope in [("FGSM", 2.0), ("PGD", 3.0)]:
            rows += [{"model": model, "attack": attack, "eps": e,
                      "accuracy": max(base - slope * e, 0.0)} for e in eps]
    return pd.DataFrame(rows)


def test_accuracy_plot_draws_one_line_per_model_and_attack(accuracy_table):
    ax = plot_accuracy_under_attack(accuracy_table, reference=(0.25, 0.001, "published"))
    lines = ax.get_lines()
    assert len(lines) == 5
    colors = class_colors(2)
    assert to_hex(lines[0].get_color()) == colors[0]
    assert to_hex(lines[2].get_color()) == colors[1]
    assert lines[0].get_linestyle() == "--" and lines[1].get_linestyle() == "-"
    np.testing.assert_allclose(lines[1].get_ydata(), [0.9, 0.6, 0.3])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["a, FGSM", "a, PGD", "b, FGSM", "b, PGD", "published"]


def test_accuracy_plot_uses_the_given_axes_and_checks_its_table(accuracy_table):
    _, ax = plt.subplots()
    assert plot_accuracy_under_attack(accuracy_table, ax=ax) is ax
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['accuracy'\]"):
        plot_accuracy_under_attack(accuracy_table.drop(columns="accuracy"))
    with pytest.raises(TypeError, match="must be the DataFrame returned by"):
        plot_accuracy_under_attack(accuracy_table.to_numpy())


def test_norm_agreement_draws_the_points_and_the_diagonal():
    ax = plot_norm_agreement([1.0, 2.0, 3.0], [1.0, 2.5, 3.0])
    assert len(ax.collections) == 1
    np.testing.assert_allclose(ax.collections[0].get_offsets(), [[1, 1], [2, 2.5], [3, 3]])
    diagonal = ax.get_lines()[0]
    np.testing.assert_allclose(diagonal.get_xdata(), diagonal.get_ydata())
    with pytest.raises(ValueError, match="same length"):
        plot_norm_agreement([1.0, 2.0], [1.0])


def test_perturbation_sizes_draws_one_box_per_model_and_attack():
    table = pd.DataFrame({
        "model": ["m1"] * 4 + ["m2"] * 4,
        "attack": ["DeepFool", "DeepFool", "FGSM", "FGSM"] * 2,
        "fooled": [True, True, True, False] * 2,
        "L2": [1.0, 2.0, 3.0, np.nan, 0.5, 0.7, 4.0, np.nan],
        "Linf": [0.1] * 8,
    })
    ax = plot_perturbation_sizes(table)
    boxes = [p for p in ax.patches]
    assert len(boxes) == 4
    colors = class_colors(2)
    assert to_hex(boxes[0].get_facecolor()) == colors[0]
    assert to_hex(boxes[2].get_facecolor()) == colors[1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["m1", "m2"]
    levels = {tuple(np.round(line.get_ydata(), 6)) for line in ax.get_lines()}
    assert (1.5, 1.5) in levels and (0.6, 0.6) in levels  # medians of the DeepFool boxes
    with pytest.raises(ValueError, match="norm must be 'L2' or 'Linf'"):
        plot_perturbation_sizes(table, norm="L1")


def test_pixel_ranges_draws_each_set_against_the_valid_band():
    inside = np.linspace(0.0, 1.0, 201).reshape(1, -1)
    outside = np.linspace(-2.0, 3.0, 501).reshape(1, -1)
    ax = plot_pixel_ranges({"valid": inside, "pseudo-inverse": outside})
    lines = ax.get_lines()
    assert len(lines) == 4  # a thin min-max line and a thick percentile line per set
    np.testing.assert_allclose(lines[0].get_xdata(), [0.0, 1.0])
    np.testing.assert_allclose(lines[2].get_xdata(), [-2.0, 3.0])
    np.testing.assert_allclose(lines[3].get_xdata(), [-1.95, 2.95])
    assert list(lines[2].get_ydata()) == [1, 1]
    assert lines[1].get_linewidth() > lines[0].get_linewidth()
    colors = class_colors(2)
    assert to_hex(lines[0].get_color()) == colors[0] and to_hex(lines[2].get_color()) == colors[1]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["valid", "pseudo-inverse"]
    band = ax.patches[0]
    np.testing.assert_allclose(band.get_x(), 0.0)
    np.testing.assert_allclose(band.get_width(), 1.0)
    assert "[0, 1]" in ax.get_legend().get_texts()[0].get_text()


def test_pixel_ranges_uses_the_given_axes_and_rejects_bad_input():
    _, ax = plt.subplots()
    assert plot_pixel_ranges({"a": np.zeros((2, 4))}, ax=ax) is ax
    with pytest.raises(ValueError, match="image_sets is empty"):
        plot_pixel_ranges({})
    with pytest.raises(ValueError, match=r"image_sets\['a'\] must be a non-empty 2-D array"):
        plot_pixel_ranges({"a": np.zeros(4)})
    with pytest.raises(ValueError, match="finite values"):
        plot_pixel_ranges({"a": np.array([[0.0, np.nan]])})
    with pytest.raises(ValueError, match="low < high"):
        plot_pixel_ranges({"a": np.zeros((2, 4))}, valid_range=(1.0, 0.0))
