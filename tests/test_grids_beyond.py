"""helpers.grids.max_probability_beyond."""

import numpy as np
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


def test_errors(iris_model, iris_xy):
    X, _ = iris_xy
    ranges = ((0, 7), (0, 3))
    with pytest.raises(ValueError, match="no grid point"):
        grids.max_probability_beyond(iris_model, X, [100], ranges, resolution=10)
    with pytest.raises(ValueError, match="non-negative"):
        grids.max_probability_beyond(iris_model, X, [-1], ranges, resolution=10)
    with pytest.raises(ValueError, match="non-negative"):
        grids.max_probability_beyond(iris_model, X, [np.nan], ranges, resolution=10)
    with pytest.raises(ValueError, match="2 are expected"):
        grids.max_probability_beyond(iris_model, np.zeros((3, 4)), [1], ranges)
    with pytest.raises(ValueError, match="NaN"):
        grids.max_probability_beyond(iris_model, np.array([[np.nan, 1.0]]), [1], ranges)
    with pytest.raises(NotFittedError):
        grids.max_probability_beyond(LogisticRegression(), X, [1], ranges, resolution=10)
