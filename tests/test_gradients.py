import warnings

import numpy as np
import pytest
from scipy.special import log_softmax, softmax
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier

from helpers import gradients

#: Random architectures: each seed draws the number of features, hidden layers and their sizes.
SEEDS = range(6)


def _data(n_classes, seed):
    rng = np.random.default_rng(1000 + seed)
    X = rng.normal(size=(40, int(rng.integers(3, 9))))
    y = np.arange(40) % n_classes
    return X, y


def _random_network(activation, n_classes, seed):
    """A fitted MLPClassifier whose weights are then redrawn at random (large enough to bend)."""
    rng = np.random.default_rng(seed)
    hidden = tuple(int(h) for h in rng.integers(2, 7, size=rng.integers(1, 4)))
    X, y = _data(n_classes, seed)
    model = MLPClassifier(hidden_layer_sizes=hidden, activation=activation, max_iter=5,
                          random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.coefs_ = [rng.normal(scale=2 / np.sqrt(W.shape[0]), size=W.shape) for W in model.coefs_]
    model.intercepts_ = [rng.normal(size=b.shape) for b in model.intercepts_]
    return model, X, y


def _random_logistic_regression(n_classes, seed):
    X, y = _data(n_classes, seed)
    return LogisticRegression().fit(X, y), X, y


def _models():
    cases = []
    for n_classes in (2, 4):
        for seed in SEEDS:
            cases.append(("logistic regression", n_classes, seed))
            for activation in gradients.SUPPORTED_ACTIVATIONS:
                cases.append((activation, n_classes, seed))
    return cases


def _build(kind, n_classes, seed):
    if kind == "logistic regression":
        return _random_logistic_regression(n_classes, seed)
    return _random_network(kind, n_classes, seed)


def _central_difference(function, X, h=1e-6):
    """d function(X)[i, ...] / d X[i, j] for every row i, by central differences."""
    columns = []
    for j in range(X.shape[1]):
        step = np.zeros_like(X)
        step[:, j] = h
        columns.append((function(X + step) - function(X - step)) / (2 * h))
    return np.stack(columns, axis=-1)


def _every_row_agrees(numeric, exact, rtol=1e-6, floor=1e-8):
    """Each row's gradient within ``rtol`` of its own size, plus the rounding floor of the
    central difference (machine epsilon x |f| / h, about 1e-16 x 100 / 1e-6): a row whose exact
    gradient is below that (a point classified with P = 1 - 1e-15) cannot be resolved by it."""
    rows = len(exact)
    error = np.linalg.norm((numeric - exact).reshape(rows, -1), axis=1)
    size = np.linalg.norm(exact.reshape(rows, -1), axis=1)
    return bool(np.all(error <= rtol * size + floor))


@pytest.mark.parametrize("kind, n_classes, seed", _models())
def test_logits_give_predict_proba(kind, n_classes, seed):
    model, X, _ = _build(kind, n_classes, seed)
    scores = gradients.logits(model, X)
    assert scores.shape == (len(X), n_classes)
    proba = np.exp(scores - scores.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=1e-10, atol=1e-14)
    if n_classes == 2:
        np.testing.assert_array_equal(scores[:, 0], 0.0)


@pytest.mark.parametrize("kind, n_classes, seed", _models())
def test_logit_gradients_match_central_differences(kind, n_classes, seed):
    model, X, _ = _build(kind, n_classes, seed)
    exact = gradients.logit_gradients(model, X)
    assert exact.shape == (len(X), n_classes, X.shape[1])
    numeric = _central_difference(lambda Z: gradients.logits(model, Z), X)
    assert _every_row_agrees(numeric, exact)


def _jacobian_one_row_at_a_time(model, x):
    """The chain rule for one row, written out with 1-D vectors (the slow path)."""
    if not isinstance(model, MLPClassifier):
        W = np.asarray(model.coef_)
        return np.vstack([np.zeros_like(W[0]), W[0]]) if W.shape[0] == 1 else W.copy()
    hidden = {"identity": lambda z: z, "logistic": lambda z: 1 / (1 + np.exp(-z)),
              "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[model.activation]
    jacobian, h = np.eye(len(x)), x
    for k, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        z = h @ W + b
        jacobian = jacobian @ W  # d z / d x, of shape (n_features, n_units)
        if k + 1 < len(model.coefs_):
            h = hidden(z)
            slope = (h > 0).astype(float) if model.activation == "relu" else (
                np.ones_like(z) if model.activation == "identity" else
                1 - h**2 if model.activation == "tanh" else h * (1 - h))
            jacobian = jacobian * slope
    if jacobian.shape[1] == 1:
        jacobian = np.column_stack([np.zeros(len(x)), jacobian[:, 0]])
    return jacobian.T  # (n_classes, n_features)


@pytest.mark.parametrize("kind, n_classes, seed", _models())
def test_batched_jacobian_equals_the_chain_rule_one_row_at_a_time(kind, n_classes, seed):
    # the batch is computed with one matrix product per layer for all rows and classes at
    # once: a mix-up of rows and classes would put another row's gradient here
    model, X, y = _build(kind, n_classes, seed)
    batch = gradients.logit_gradients(model, X)
    slow = np.stack([_jacobian_one_row_at_a_time(model, x) for x in X])
    np.testing.assert_allclose(batch, slow, rtol=1e-10, atol=1e-12)
    rows = np.arange(len(X))
    upstream = softmax(gradients.logits(model, X), axis=1)
    upstream[rows, y] -= 1.0
    np.testing.assert_allclose(gradients.input_gradient(model, X, y),
                               np.einsum("nk,nkd->nd", upstream, slow), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind, n_classes, seed", _models())
def test_input_gradient_matches_central_differences_of_the_log_loss(kind, n_classes, seed):
    model, X, y = _build(kind, n_classes, seed)
    exact = gradients.input_gradient(model, X, y)
    assert exact.shape == X.shape
    rows = np.arange(len(X))

    def log_loss(Z):
        # From the logits (checked against predict_proba above): scikit-learn's binary
        # predict_proba is [1 - p, p], and 1 - p loses the digits a central difference needs
        # where p is within 1e-7 of 1.
        return -log_softmax(gradients.logits(model, Z), axis=1)[rows, y]

    numeric = _central_difference(log_loss, X)
    assert _every_row_agrees(numeric, exact)
    loss, gradient = gradients.loss_and_input_gradient(model, X, y)
    np.testing.assert_allclose(loss, -np.log(model.predict_proba(X)[rows, y]), rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(gradient, exact)


def test_input_gradient_accepts_string_labels():
    X, y = _data(3, 0)
    names = np.array(["zero", "one", "two"])[y]
    model = LogisticRegression().fit(X, names)
    np.testing.assert_allclose(
        gradients.input_gradient(model, X, names),
        gradients.input_gradient(LogisticRegression().fit(X, y), X, y),
        rtol=1e-3,
    )


def test_unfitted_model_is_refused():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        gradients.logit_gradients(MLPClassifier(), np.zeros((2, 5)))


def test_wrong_number_of_features_is_refused():
    model, X, y = _random_logistic_regression(3, 0)
    n = X.shape[1]
    with pytest.raises(ValueError, match=f"{n - 1} features but {n} are expected"):
        gradients.input_gradient(model, X[:, :-1], y)


def test_unsupported_model_is_refused():
    X, y = _data(3, 0)
    tree = DecisionTreeClassifier().fit(X, y)
    with pytest.raises(TypeError, match="Gradients of other models are not implemented"):
        gradients.logit_gradients(tree, X)


def test_unknown_label_is_refused():
    model, X, y = _random_logistic_regression(3, 0)
    y = y.copy()
    y[0] = 7
    with pytest.raises(ValueError, match=r"label\(s\) \[7\] that the model does not know"):
        gradients.input_gradient(model, X, y)


def test_labels_of_the_wrong_shape_are_refused():
    model, X, y = _random_logistic_regression(3, 0)
    with pytest.raises(ValueError, match="one label per row of X"):
        gradients.input_gradient(model, X, y[:-1])


def test_multilabel_network_is_refused():
    X, _ = _data(2, 0)
    Y = (X[:, :2] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="multi-label"):
        gradients.logits(model, X)
