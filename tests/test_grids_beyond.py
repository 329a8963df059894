"""helpers.grids.max_probability_beyond."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from helpers import grids


def test_highest_probability_beyond_each_distance(iris_model, iris_xy):
    X, _ = iris_xy
    ranges = ((-10, 15), (-10, 15))
    table = grids.max_probability_beyond(iris_model, X, [0, 2, 5], ranges, resolution=40,
                                         feature_names=("length", "width"))
    assert list(table.columns) == ["at least", "highest probability", "class", "length", "width",
                                   "grid points"]
    grid = grids.probability_grid(iris_model, *ranges, resolution=40)
    distance = grids.distance_to_data(grid.points, X)
    for _, row in table.iterrows():
        far = distance >= row["at least"]
        assert row["grid points"] == far.sum()
        assert row["highest probability"] == grid.max_proba.ravel()[far].max()
        point = np.array([[row["length"], row["width"]]])
        assert grids.distance_to_data(point, X)[0] >= row["at least"]
        assert iris_model.predict(point)[0] == row["class"]
    # farther means fewer candidates, so the highest probability can only fall
    assert np.all(np.diff(table["highest probability"]) <= 0)


def test_accepts_a_callable():
    def uniform(points):
        return np.full((len(points), 4), 0.25)

    table = grids.max_probability_beyond(uniform, np.zeros((1, 2)), [1.0], ((-2, 2), (-2, 2)),
                                         resolution=5)
    assert table["highest probability"].iloc[0] == 0.25
    assert table["grid points"].iloc[0] == 24  # the 5 x 5 grid has spacing 1: all but the origin


@pytest.mark.parametrize(
    "data, distances, message",
    [
        (None, [100], "no grid point"),
        (None, [-1], "distances must hold finite numbers >= 0"),
        (None, [np.nan], "distances must hold finite numbers >= 0"),
        (np.zeros((3, 4)), [1], "2 are expected"),
        (np.array([[np.nan, 1.0]]), [1], "NaN"),
    ],
    ids=["too far for the grid", "negative distance", "NaN distance", "wrong number of features",
         "NaN in the data"],
)
def test_errors(iris_model, iris_xy, data, distances, message):
    X = iris_xy[0] if data is None else data
    with pytest.raises(ValueError, match=message):
        grids.max_probability_beyond(iris_model, X, distances, ((0, 7), (0, 3)), resolution=10)


def test_needs_a_fitted_model(iris_xy):
    X, _ = iris_xy
    with pytest.raises(NotFittedError, match=r"not fitted yet: call model\.fit"):
        grids.max_probability_beyond(LogisticRegression(), X, [1], ((0, 7), (0, 3)), resolution=10)


def test_a_grid_already_computed_gives_the_same_table(iris_model, iris_xy):
    X, _ = iris_xy
    ranges = ((-10, 15), (-10, 15))
    grid = grids.probability_grid(iris_model, *ranges, resolution=40, feature_names=("l", "w"))
    from_grid = grids.max_probability_beyond(grid, X, [0, 2, 5])
    from_model = grids.max_probability_beyond(iris_model, X, [0, 2, 5], ranges, resolution=40,
                                              feature_names=("l", "w"))
    pd.testing.assert_frame_equal(from_grid, from_model)


def test_a_grid_with_ranges_is_refused(iris_model, iris_xy):
    grid = grids.probability_grid(iris_model, (0, 7), (0, 3), resolution=10)
    with pytest.raises(ValueError, match="has its own ranges"):
        grids.max_probability_beyond(grid, iris_xy[0], [1.0], ((0, 7), (0, 3)))


def test_a_model_without_ranges_is_refused(iris_model, iris_xy):
    with pytest.raises(ValueError, match="ranges is needed"):
        grids.max_probability_beyond(iris_model, iris_xy[0], [1.0])
