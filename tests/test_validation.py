import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.linear_model import LogisticRegression

from helpers._validation import (
    check_features,
    check_fitted,
    check_in_range,
    check_nonnegative,
    check_probability,
    check_range,
    check_seed,
    check_training_data,
)


def test_check_fitted_names_the_fix():
    with pytest.raises(NotFittedError, match=r"not fitted yet: call model\.fit"):
        check_fitted(LogisticRegression())


def test_check_fitted_rejects_a_non_estimator():
    with pytest.raises(TypeError, match="fitted scikit-learn estimator"):
        check_fitted(object())


def test_check_features_accepts_one_row_when_asked():
    assert check_features([1.0, 2.0], n_features=2, allow_1d=True).shape == (1, 2)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.ones(3), "2-D array"),
        (np.ones((0, 2)), "empty"),
        (np.ones((4, 3)), "3 features but 2 are expected"),
        (np.array([[1.0, np.nan]]), "NaN"),
        (np.array([[1.0, np.inf]]), "infinite"),
    ],
)
def test_check_features_errors(X, message):
    with pytest.raises(ValueError, match=message):
        check_features(X, n_features=2)


@pytest.mark.parametrize(
    "bounds, message",
    [((3, 1), "Swap"), ((1, 1), "low < high"), ((0, np.inf), "finite"), ("ab", "pair")],
)
def test_check_range_errors(bounds, message):
    with pytest.raises(ValueError, match=message):
        check_range(bounds, "x_range")


def test_check_features_refuses_sparse_input():
    with pytest.raises(TypeError, match=r"X is a sparse matrix.*X.toarray\(\)"):
        check_features(sparse.csr_matrix(np.eye(3)))


def test_check_features_refuses_complex_numbers_instead_of_dropping_their_imaginary_part():
    with pytest.raises(ValueError, match="Complex data not supported: X holds complex numbers"):
        check_features(np.array([[1.0 + 1j, 2.0]]))


def test_check_features_says_objects_that_are_not_numbers_are_the_wrong_type():
    with pytest.raises(TypeError, match="X must hold numbers only.*not 'dict'"):
        check_features(np.array([[{"a": 1}, 2.0]], dtype=object))


def test_check_features_refuses_rows_without_columns():
    with pytest.raises(ValueError, match=r"X has 0 feature\(s\) \(shape=\(3, 0\)\) while a minimum "
                                         "of 1 is required"):
        check_features(np.ones((3, 0)))


def test_check_features_names_the_model_expecting_other_features():
    with pytest.raises(ValueError, match="X has 3 features, but LogisticRegression is expecting 2 "
                                         "features as input"):
        check_features(np.ones((4, 3)), n_features=2, model=LogisticRegression())


@pytest.mark.parametrize(
    "y, message",
    [
        (None, "requires y to be passed, but the target y is None"),
        (np.zeros(3), r"y must have shape \(4,\), one label per row of X; got shape \(3,\)"),
        (np.array([0, 1, np.nan, 1]), "y contains 1 NaN or infinite value"),
        (np.array([0.5, 1.5, 2.5, 0.1]), "Unknown label type: continuous"),
        (np.zeros(4), r"y holds one class \(0.0\); a classifier needs at least two"),
    ],
    ids=["None", "short", "NaN", "continuous", "one class"],
)
def test_check_training_data_errors(y, message):
    with pytest.raises(ValueError, match=message):
        check_training_data(np.ones((4, 2)), y)


def test_check_training_data_flattens_a_column_with_scikit_learns_warning():
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        _, y = check_training_data(np.ones((4, 2)), np.array([[0], [1], [0], [1]]))
    assert y.shape == (4,)


@pytest.mark.parametrize(
    "X, value_range, allow_none, message",
    [
        (np.full((2, 2), 200.0), (0, 1), True,
         r"values in \[200, 200\], outside value_range=\(0, 1\) \(0-255 pixels\? divide them by "
         r"255\).*\(value_range=None only for features without bounds\)"),
        (np.full((2, 2), 1.5), (0, 1), True, r"outside value_range=\(0, 1\); rescale"),
        (np.zeros((2, 2)), None, False, "value_range=None is not possible here"),
    ],
    ids=["0-255", "a bit outside", "None refused"],
)
def test_check_in_range_errors(X, value_range, allow_none, message):
    with pytest.raises(ValueError, match=message):
        check_in_range(X, value_range, allow_none=allow_none)


def test_check_in_range_says_nothing_of_none_where_it_is_refused():
    with pytest.raises(ValueError) as info:
        check_in_range(np.full((2, 2), 200.0), (0, 1), allow_none=False)
    assert "None" not in str(info.value)


@pytest.mark.parametrize("value", [-1, 2.5, "0", True, None])
def test_check_seed_errors(value):
    with pytest.raises(ValueError, match="random_state must be a whole number >= 0"):
        check_seed(value)


@pytest.mark.parametrize("value", [0, 1, "half", True, np.nan])
def test_check_probability_errors(value):
    with pytest.raises(ValueError, match="p must be a probability strictly between 0 and 1"):
        check_probability(value, "p")


@pytest.mark.parametrize("value, error", [(-0.1, ValueError), (np.inf, ValueError),
                                          ("0.1", TypeError), (True, TypeError)])
def test_check_nonnegative_errors(value, error):
    with pytest.raises(error, match="eps must be a"):
        check_nonnegative(value, "eps")
