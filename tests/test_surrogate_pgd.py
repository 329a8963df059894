"""The surrogate margin gradient and the PGD that climbs it (where the exact gradient is zero)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from helpers import attacks, gradients, network


def _relu_network(seed=0, hidden=(6, 2)):
    """A small fitted ReLU network, its weights redrawn at random; 3 classes, 5 features."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(30, 5))
    y = np.arange(30) % 3
    model = MLPClassifier(hidden_layer_sizes=hidden, max_iter=5, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.coefs_ = [rng.normal(size=W.shape) for W in model.coefs_]
    model.intercepts_ = [rng.normal(size=b.shape) for b in model.intercepts_]
    return model, X


def _dead_at_zero(model):
    """Make the last hidden layer off near x = 0: a large negative bias on each of its units."""
    model.intercepts_[-2] = np.full_like(model.intercepts_[-2], -3.0)
    return model


@pytest.mark.parametrize("seed", range(4))
def test_slope_zero_is_the_exact_margin_gradient(seed):
    model, X = _relu_network(seed)
    y = model.predict(X)
    target = (y + 1) % 3
    margin, gradient = gradients.margin_and_surrogate_gradient(model, X, y, target)
    J = gradients.logit_gradients(model, X)
    rows = np.arange(len(X))
    L = gradients.logits(model, X)
    np.testing.assert_allclose(margin, L[rows, target] - L[rows, y])
    np.testing.assert_allclose(gradient, J[rows, target] - J[rows, y], atol=1e-12)


def test_a_positive_slope_gives_a_direction_where_the_exact_gradient_is_zero():
    model, _ = _relu_network(1)
    model = _dead_at_zero(model)
    x = np.zeros((1, 5))
    y = model.predict(x)
    target = np.array([c for c in model.classes_ if c != y[0]][:1])
    _, exact = gradients.margin_and_surrogate_gradient(model, x, y, target)
    _, surrogate = gradients.margin_and_surrogate_gradient(model, x, y, target, relu_slope=0.1)
    assert np.all(exact == 0)
    assert np.abs(surrogate).max() > 0


def test_the_margin_is_the_networks_own_whatever_the_slope():
    model, X = _relu_network(2)
    y = model.predict(X)
    target = (y + 2) % 3
    exact, _ = gradients.margin_and_surrogate_gradient(model, X, y, target)
    leaky, _ = gradients.margin_and_surrogate_gradient(model, X, y, target, relu_slope=0.5)
    np.testing.assert_array_equal(exact, leaky)


def test_a_target_equal_to_the_label_is_refused():
    model, X = _relu_network(0)
    y = model.predict(X[:3])
    with pytest.raises(ValueError, match="target equals y in row 0"):
        gradients.margin_and_surrogate_gradient(model, X[:3], y, y)


def test_a_negative_slope_is_refused():
    model, X = _relu_network(0)
    y = model.predict(X[:2])
    with pytest.raises(ValueError, match="relu_slope must be a number >= 0"):
        gradients.margin_and_surrogate_gradient(model, X[:2], y, (y + 1) % 3, relu_slope=-0.1)


def test_a_slope_for_a_network_without_relu_is_refused():
    model, X = _relu_network(0)
    model.activation = "tanh"
    y = model.predict(X[:2])
    with pytest.raises(ValueError, match="no ReLU units"):
        gradients.margin_and_surrogate_gradient(model, X[:2], y, (y + 1) % 3, relu_slope=0.1)


def test_surrogate_pgd_stays_in_the_ball_and_the_box_and_raises_the_margin():
    model, X = _relu_network(3)
    y = model.predict(X)
    target = (y + 1) % 3
    X_adv = attacks.surrogate_pgd(model, X, y, 0.1, target)
    assert np.abs(X_adv - X).max() <= 0.1 + 1e-12
    assert X_adv.min() >= 0 and X_adv.max() <= 1
    before, _ = gradients.margin_and_surrogate_gradient(model, X, y, target)
    after, _ = gradients.margin_and_surrogate_gradient(model, X_adv, y, target)
    assert np.all(after >= before) and np.any(after > before)


def _switched_off_at_the_origin():
    """Two ReLU units, both off at x = 0 (class 0 by the output bias alone); unit k turns on
    once feature k exceeds 0.3 and, past 0.5, makes class k + 1 the prediction."""
    model, _ = _relu_network(0, hidden=(2,))
    W = np.zeros((5, 2))
    W[0, 0] = W[1, 1] = 1.0
    model.coefs_ = [W, np.array([[0.0, 5.0, 0.0], [0.0, 0.0, 5.0]])]
    model.intercepts_ = [np.full(2, -0.3), np.array([1.0, 0.0, 0.0])]
    return model


def test_surrogate_search_fools_a_row_whose_gradient_is_zero_where_log_loss_pgd_cannot():
    model = _switched_off_at_the_origin()
    x = np.zeros((1, 5))
    y = model.predict(x)
    assert y[0] == 0 and np.all(gradients.input_gradient(model, x, y) == 0)
    plain = attacks.smallest_pgd(model, x, y, high=1.0, n_restarts=0)
    surrogate = attacks.smallest_pgd(model, x, y, high=1.0, n_restarts=0,
                                     loss="surrogate margin")
    assert not plain.fooled[0]
    assert surrogate.fooled[0]
    assert model.predict(x + surrogate.delta)[0] != 0
    assert np.abs(surrogate.delta).max() <= surrogate.eps[0] + 1e-12
    assert 0.5 < surrogate.eps[0] < 0.5 + 1e-3  # the true smallest change is 0.5


def test_an_unknown_loss_is_refused():
    model, X = _relu_network(0)
    with pytest.raises(ValueError, match="loss must be 'log-loss' or 'surrogate margin'"):
        attacks.smallest_pgd(model, X[:2], model.predict(X[:2]), loss="hinge")


def test_last_hidden_layer_off_marks_the_rows_whose_units_are_all_zero():
    model = _switched_off_at_the_origin()
    X = np.zeros((3, 5))
    X[1, 0] = 0.4  # unit 0 on
    X[2, 1] = 0.2  # still below unit 1's threshold of 0.3
    np.testing.assert_array_equal(network.last_hidden_layer_off(model, X), [True, False, True])
