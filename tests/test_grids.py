import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from helpers import grids
from helpers.linear import linear_scores


@pytest.fixture(scope="module")
def grid(iris_model):
    return grids.probability_grid(iris_model, (-10, 15), (-10, 15), resolution=60)


def test_grid_argmax_equals_model_predict(grid, iris_model):
    assert grid.proba.shape == (60, 60, 3)
    np.testing.assert_array_equal(grid.predicted.ravel(), iris_model.predict(grid.points))
    np.testing.assert_allclose(grid.proba.sum(axis=-1), 1.0, rtol=1e-12)


def test_grid_spans_the_requested_ranges(grid):
    assert grid.extent == (-10.0, 15.0, -10.0, 15.0)
    assert grid.points.shape == (3600, 2)
    np.testing.assert_array_equal(grid.max_proba, grid.proba.max(axis=-1))


def test_grid_accepts_a_callable_with_classes():
    def two_classes(points):
        p = 1.0 / (1.0 + np.exp(-points[:, 0]))
        return np.column_stack([1 - p, p])

    g = grids.probability_grid(two_classes, (-1, 1), (0, 1), resolution=5, classes=["a", "b"])
    assert list(g.predicted[0]) == ["a", "a", "a", "b", "b"]  # x = 0 is a tie: arg-max picks "a"
    assert g.feature_names == ("feature 1", "feature 2")


#: The message check_fitted gives (scikit-learn's own NotFittedError also mentions "fit").
NOT_FITTED = r"not fitted yet: call model\.fit"


@pytest.mark.parametrize(
    "x_range, resolution, message",
    [((5, 1), 300, "Swap"), ((0, 1), 1, "resolution")],
    ids=["reversed range", "resolution below 2"],
)
def test_grid_rejects_bad_ranges_and_resolutions(iris_model, x_range, resolution, message):
    with pytest.raises(ValueError, match=message):
        grids.probability_grid(iris_model, x_range, (0, 1), resolution=resolution)


def test_grid_needs_a_fitted_model():
    with pytest.raises(NotFittedError, match=NOT_FITTED):
        grids.probability_grid(LogisticRegression(), (0, 1), (0, 1))


def test_grid_needs_predict_proba_or_a_callable():
    with pytest.raises(TypeError, match="predict_proba"):
        grids.probability_grid("not a model", (0, 1), (0, 1))


def test_grid_classes_must_match_the_probabilities(iris_model):
    with pytest.raises(ValueError, match="classes has 2 labels"):
        grids.probability_grid(iris_model, (0, 1), (0, 1), resolution=3, classes=["a", "b"])


def test_grid_rejects_a_model_on_more_than_two_features():
    rng = np.random.default_rng(0)
    model = LogisticRegression().fit(rng.normal(size=(30, 3)), np.arange(30) % 2)
    with pytest.raises(ValueError, match="exactly two features"):
        grids.probability_grid(model, (0, 1), (0, 1))


def test_equal_probability_point_gives_one_third_to_each_class(iris_model):
    point = grids.equal_probability_point(iris_model)
    np.testing.assert_allclose(iris_model.predict_proba(point[None, :]), 1 / 3, rtol=1e-10)


def test_equal_probability_point_needs_a_fitted_model():
    with pytest.raises(NotFittedError, match=NOT_FITTED):
        grids.equal_probability_point(LogisticRegression())


def test_equal_probability_point_refuses_parallel_borders():
    model = LogisticRegression().fit(np.arange(6.0).reshape(3, 2), [0, 1, 2])
    model.coef_ = np.array([[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])  # every border is vertical
    model.intercept_ = np.array([0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="borders are parallel"):
        grids.equal_probability_point(model)


def test_equal_probability_point_needs_three_classes_on_two_features():
    rng = np.random.default_rng(2)
    model = LogisticRegression().fit(rng.normal(size=(30, 2)), np.arange(30) % 2)
    with pytest.raises(ValueError, match="3 classes and 2 features"):
        grids.equal_probability_point(model)


@pytest.mark.parametrize("label", ["setosa", "versicolor", "virginica"])
def test_probability_tends_to_one_along_the_most_confident_direction(iris_model, iris_xy, label):
    X, y = iris_xy
    direction = grids.most_confident_direction(iris_model, label)
    assert np.linalg.norm(direction) == pytest.approx(1.0)
    k = list(iris_model.classes_).index(label)
    proba = grids.probability_along_ray(iris_model, X[y == label].mean(axis=0), direction,
                                        [0, 10, 100, 1000])
    assert np.all(np.diff(proba[:, k]) >= 0)
    assert proba[-1, k] > 1 - 1e-12
    # No other unit direction makes the weakest margin grow faster.
    W, _ = linear_scores(iris_model)
    growth = lambda d: np.min(W[k] @ d - np.delete(W, k, axis=0) @ d)  # noqa: E731
    angles = np.linspace(0, 2 * np.pi, 3600, endpoint=False)
    best = max(growth(np.array([np.cos(a), np.sin(a)])) for a in angles)
    assert growth(direction) >= best - 1e-6


def test_most_confident_direction_refuses_an_unknown_class(iris_model):
    with pytest.raises(ValueError, match="unknown class 'rose'.*setosa, versicolor, virginica"):
        grids.most_confident_direction(iris_model, "rose")


def test_most_confident_direction_refuses_a_class_that_never_dominates():
    # The middle of three classes whose coefficients are collinear can never dominate far away.
    model = LogisticRegression().fit(np.arange(6.0).reshape(3, 2), [0, 1, 2])
    model.coef_ = np.array([[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    model.intercept_ = np.zeros(3)
    with pytest.raises(ValueError, match="no direction makes class 1 dominant"):
        grids.most_confident_direction(model, 1)
    assert grids.most_confident_direction(model, 2) == pytest.approx([1.0, 0.0])


def test_most_confident_direction_needs_a_fitted_model():
    with pytest.raises(NotFittedError, match=NOT_FITTED):
        grids.most_confident_direction(LogisticRegression(), "setosa")


@pytest.mark.parametrize(
    "origin, direction, message",
    [
        ([1, 1], [0, 0], "zero vector"),
        ([1, 1, 1], [0, 1], "3 features but 2"),
        ([np.nan, 1], [0, 1], "origin contains 1 NaN"),
    ],
    ids=["zero direction", "wrong number of features", "NaN origin"],
)
def test_probability_along_ray_errors(iris_model, origin, direction, message):
    with pytest.raises(ValueError, match=message):
        grids.probability_along_ray(iris_model, origin, direction, [1])


def test_probability_along_ray_needs_a_fitted_model():
    with pytest.raises(NotFittedError, match=NOT_FITTED):
        grids.probability_along_ray(LogisticRegression(), [1, 1], [0, 1], [1])


def test_distance_to_data_is_the_nearest_neighbour_distance(iris_xy):
    X, _ = iris_xy
    points = np.array([[0.1, 5.0], [10.0, 10.0]])
    expected = np.min(np.linalg.norm(X[None, :, :] - points[:, None, :], axis=2), axis=1)
    np.testing.assert_allclose(grids.distance_to_data(points, X), expected)


@pytest.mark.parametrize(
    "points, message",
    [([[np.nan, 1.0]], "points contains 1 NaN"), ([[1.0, 1.0, 1.0]], "3 features but 2")],
    ids=["NaN", "wrong number of features"],
)
def test_distance_to_data_errors(iris_xy, points, message):
    X, _ = iris_xy
    with pytest.raises(ValueError, match=message):
        grids.distance_to_data(points, X)


def test_ranges_around_hold_every_point_with_padding():
    points = np.array([[0.0, -1.0], [10.0, 3.0], [5.0, 1.0]])
    assert grids.ranges_around(points, padding=0.1) == (
        pytest.approx((-1.0, 11.0)), pytest.approx((-1.4, 3.4))
    )
    (x_low, x_high), _ = grids.ranges_around(points[:1])
    assert x_low < 0.0 < x_high


@pytest.mark.parametrize(
    "points, padding, message",
    [(np.zeros((2, 3)), 0.1, "points has 3 features but 2 are expected"),
     (np.zeros((2, 2)), -0.1, "padding must be a non-negative")],
    ids=["wrong number of features", "negative padding"],
)
def test_ranges_around_errors(points, padding, message):
    with pytest.raises(ValueError, match=message):
        grids.ranges_around(points, padding=padding)


def test_grid_points_are_the_probability_grids_points(iris_model):
    points = grids.grid_points((0, 7), (-1, 3), resolution=7)
    assert points.shape == (49, 2)
    grid = grids.probability_grid(iris_model, (0, 7), (-1, 3), resolution=7)
    np.testing.assert_array_equal(points, grid.points)


@pytest.mark.parametrize(
    "x_range, resolution, message",
    [((5, 1), 300, "Swap"), ((0, 1), 1, "resolution")],
    ids=["reversed range", "resolution below 2"],
)
def test_grid_points_reject_bad_ranges_and_resolutions(x_range, resolution, message):
    with pytest.raises(ValueError, match=message):
        grids.grid_points(x_range, (0, 1), resolution=resolution)
