import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from helpers._validation import check_features, check_fitted, check_range


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
