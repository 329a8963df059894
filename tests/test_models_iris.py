import numpy as np
from sklearn.linear_model import LogisticRegression

from helpers import models


def test_iris_logistic_regression_is_todays_multinomial_lbfgs_l2_default():
    model = models.iris_logistic_regression()
    assert isinstance(model, LogisticRegression)
    params = model.get_params()
    assert params["solver"] == "lbfgs"
    assert params["C"] == 1.0
    assert params["max_iter"] == 100
    assert params["l1_ratio"] in (None, 0, 0.0)  # a pure L2 penalty


def test_iris_logistic_regression_misclassifies_five_of_150(iris_model, iris_xy):
    X, y = iris_xy
    assert int(np.sum(iris_model.predict(X) != y)) == 5


def test_iris_logistic_regression_is_softmax_of_the_linear_scores(iris_model, iris_xy):
    X, _ = iris_xy
    scores = X @ iris_model.coef_.T + iris_model.intercept_
    softmax = np.exp(scores - scores.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(iris_model.predict_proba(X), softmax, rtol=1e-12)
