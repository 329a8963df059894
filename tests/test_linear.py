import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC, LinearSVC

from helpers import linear


def test_linear_scores_reproduce_the_decision_of_a_binary_model():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    W, b = linear.linear_scores(model)
    assert W.shape == (2, 2)
    np.testing.assert_array_equal((X @ W.T + b).argmax(axis=1), model.predict(X))


@pytest.mark.parametrize("estimator", [LogisticRegression, LinearSVC, RidgeClassifier])
def test_linear_scores_reproduce_the_decision_function_of_multiclass_models(estimator, iris_xy):
    X, y = iris_xy
    model = estimator().fit(X, y)
    W, b = linear.linear_scores(model)
    np.testing.assert_allclose(X @ W.T + b, model.decision_function(X))


def test_linear_scores_reject_a_non_linear_model(iris_xy):
    X, y = iris_xy
    with pytest.raises(TypeError, match="linear scikit-learn classifier"):
        linear.linear_scores(KNeighborsClassifier().fit(X, y))


def test_linear_scores_reject_a_one_vs_one_linear_svc(iris_xy):
    # SVC(kernel="linear") has coef_, but one row per pair of classes: its scores are votes.
    X, y = iris_xy
    model = SVC(kernel="linear").fit(X, y)
    assert not linear._is_linear_classifier(model)
    with pytest.raises(TypeError, match="one row per class"):
        linear.linear_scores(model)


def test_linear_scores_reject_a_kernel_svm(iris_xy):
    X, y = iris_xy
    with pytest.raises(TypeError, match="linear scikit-learn classifier"):
        linear.linear_scores(SVC(kernel="rbf").fit(X, y))


def test_linear_scores_name_an_unfitted_model():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        linear.linear_scores(LogisticRegression())


def test_is_linear_classifier_is_false_for_an_unfitted_model_and_a_non_estimator():
    assert not linear._is_linear_classifier(LogisticRegression())
    assert not linear._is_linear_classifier(np.eye(3))
