"""helpers.plotting.remedies: confidence along rays, the evaluation heat map."""

import numpy as np
import pandas as pd
import pytest

from helpers.plotting import plot_confidence_along_rays, plot_evaluation_table


def test_confidence_along_rays_draws_one_line_per_model():
    alphas = np.geomspace(1, 100, 5)
    ax = plot_confidence_along_rays(alphas, {"a": np.ones((5, 3)), "b": np.full((5, 3), 0.5)},
                                    n_classes=4)
    assert len(ax.lines) == 3 and ax.get_xscale() == "log"


def test_confidence_along_rays_rejects_a_bad_shape():
    with pytest.raises(ValueError, match="expected \\(5, n_images\\)"):
        plot_confidence_along_rays(np.arange(1, 6), {"a": np.ones((4, 3))})


def test_evaluation_table_writes_every_value():
    table = pd.DataFrame({"accuracy": [0.9, 0.8], "AUC": [0.5, np.nan]}, index=["m1", "m2"])
    ax = plot_evaluation_table(table, {"accuracy": False, "AUC": False})
    assert [t.get_text() for t in ax.texts] == ["0.90", "0.50", "0.80"]


def test_evaluation_table_rejects_values_outside_zero_one():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        plot_evaluation_table(pd.DataFrame({"a": [2.0]}), {"a": True})


def test_evaluation_table_needs_a_direction_per_column():
    with pytest.raises(ValueError, match="lacks"):
        plot_evaluation_table(pd.DataFrame({"a": [0.5]}), {})


@pytest.fixture
def median_and_range():
    index, columns = ["m1", "m2"], ["accuracy", "AUC"]
    median = pd.DataFrame([[0.9, 0.5], [0.8, np.nan]], index=index, columns=columns)
    low = pd.DataFrame([[0.85, 0.4], [0.7, np.nan]], index=index, columns=columns)
    high = pd.DataFrame([[0.95, 0.6], [0.8, np.nan]], index=index, columns=columns)
    return median, low, high


def test_evaluation_table_writes_the_range_under_every_value(median_and_range):
    median, low, high = median_and_range
    ax = plot_evaluation_table(median, {"accuracy": False, "AUC": False}, low, high)
    assert [t.get_text() for t in ax.texts] == [
        "0.90\n0.85\u20130.95", "0.50\n0.40\u20130.60", "0.80\n0.70\u20130.80"]


def test_evaluation_table_needs_both_ends_of_the_range(median_and_range):
    median, low, _ = median_and_range
    with pytest.raises(ValueError, match="both low and high"):
        plot_evaluation_table(median, {"accuracy": False, "AUC": False}, low=low)


def test_evaluation_table_range_needs_the_same_rows_and_columns(median_and_range):
    median, low, high = median_and_range
    with pytest.raises(ValueError, match="same order"):
        plot_evaluation_table(median, {"accuracy": False, "AUC": False}, low[::-1], high)


def test_evaluation_table_range_must_hold_the_value(median_and_range):
    median, low, high = median_and_range
    with pytest.raises(ValueError, match="within its range"):
        plot_evaluation_table(median, {"accuracy": False, "AUC": False}, low, high - 0.1)


def test_evaluation_table_writes_white_on_dark_cells_and_black_on_light_ones():
    table = pd.DataFrame({"error": [1.0, 0.5]}, index=["bad", "middling"])
    ax = plot_evaluation_table(table, {"error": True})
    assert [t.get_color() for t in ax.texts] == ["white", "black"]


def test_evaluation_table_range_must_be_a_data_frame(median_and_range):
    median, low, high = median_and_range
    with pytest.raises(TypeError, match="low must be a DataFrame"):
        plot_evaluation_table(median, {"accuracy": False, "AUC": False}, low.to_numpy(), high)


# --- Bad input: a clear error naming the problem and the fix ----------------------------------


@pytest.mark.parametrize(
    "alphas, curves, error, message",
    [
        ([1, 10], {}, ValueError, "curves is empty; pass at least one model's curve"),
        ([], {"a": np.ones((0, 3))}, ValueError, "alphas must be a non-empty 1-D array"),
        ([1, np.nan], {"a": np.ones((2, 3))}, ValueError, "alphas must be a non-empty 1-D array"),
        ([1, 10], {"a": np.full((2, 3), np.nan)}, ValueError,
         r"curves\['a'\] holds 6 NaN or infinite value"),
        ([1, 10], {"a": np.full((2, 3), 95.0)}, ValueError,
         r"curves\['a'\] holds values from 95 to 95.*in \[0, 1\] \(percentages\? divide them by "
         r"100\)"),
        ([1, 10], [np.ones((2, 3))], TypeError, "curves must be a dict"),
        ([1, 10], {"a": np.ones((2, 0))}, ValueError, r"curves\['a'\] has shape \(2, 0\)"),
    ],
    ids=["no curves", "no alphas", "NaN alpha", "NaN curve", "percent", "list", "no images"],
)
def test_confidence_along_rays_refuses_what_it_cannot_draw(alphas, curves, error, message):
    with pytest.raises(error, match=message):
        plot_confidence_along_rays(alphas, curves)


@pytest.mark.parametrize("n_classes", [1, 2.5, True])
def test_confidence_along_rays_refuses_a_bad_number_of_classes(n_classes):
    with pytest.raises(ValueError, match="n_classes must be a whole number >= 2"):
        plot_confidence_along_rays([1, 10], {"a": np.ones((2, 3))}, n_classes=n_classes)


@pytest.mark.parametrize(
    "table, message",
    [
        (pd.DataFrame(), r"table is empty \(shape \(0, 0\)\); nothing to draw"),
        (pd.DataFrame({"a": [np.nan, np.nan]}), "table holds no number to draw: every value is NaN"),
        (pd.DataFrame({"a": [95.0, 80.0]}), r"table\['a'\] holds values from 80 to 95.*"
                                            r"\(percentages\? divide them by 100\)"),
        (pd.DataFrame({"a": [0.5, np.inf]}), r"table\['a'\] holds 1 NaN or infinite value"),
        (pd.DataFrame({"a": ["high"]}), "table must hold numbers only"),
    ],
    ids=["empty", "all NaN", "percent", "inf", "text"],
)
def test_evaluation_table_refuses_what_it_cannot_draw(table, message):
    with pytest.raises(ValueError, match=message):
        plot_evaluation_table(table, {"a": True})
