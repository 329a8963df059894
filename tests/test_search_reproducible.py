"""The fool searches stop on their plateau, so another CPU's rounding does not change their image.

A tanh network with a two-unit last hidden layer cannot reach 0.99 (its confidence has a
ceiling): the searches end on a plateau. A copy of the network whose weights differ in their
last digits (as another CPU's training gives) must give the same image.
"""

import copy
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier

from helpers import attacks


@pytest.fixture(scope="module")
def tanh_pair():
    X, y = load_digits(n_class=4, return_X_y=True)
    X = X / 16.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a short training is enough for a bounded network
        net = MLPClassifier((20, 2), activation="tanh", max_iter=300, random_state=0).fit(X, y)
    rng = np.random.default_rng(0)
    twin = copy.deepcopy(net)
    twin.coefs_ = [W * (1 + 1e-9 * rng.standard_normal(W.shape)) for W in net.coefs_]
    twin.intercepts_ = [b * (1 + 1e-9 * rng.standard_normal(b.shape)) for b in net.intercepts_]
    return net, twin


def test_evolved_image_stops_on_its_plateau_and_ignores_the_last_digits(tanh_pair):
    net, twin = tanh_pair
    first = attacks.evolve_fool_image(net, 1, confidence=0.9999, generations=300, seed=0)
    again = attacks.evolve_fool_image(twin, 1, confidence=0.9999, generations=300, seed=0)
    assert not first.reached and first.n_iter < 300  # stopped on the plateau, not at the limit
    np.testing.assert_array_equal(first.image, again.image)


def test_gradient_fool_stops_on_its_plateau_and_ignores_the_last_digits(tanh_pair):
    net, twin = tanh_pair
    first = attacks.fool_image(net, 1, confidence=0.9999, max_iter=200)
    again = attacks.fool_image(twin, 1, confidence=0.9999, max_iter=200)
    assert not first.reached and first.n_iter < 200
    np.testing.assert_allclose(first.image, again.image, atol=1e-4)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda net: attacks.evolve_fool_image(net, 1, tol=-0.1), r"tol must be a number in \[0, 1\)"),
        (lambda net: attacks.evolve_fool_image(net, 1, patience=0), "patience must be a whole number >= 1"),
        (lambda net: attacks.fool_image(net, 1, tol=0), r"tol must be a number in \(0, 1\)"),
    ],
    ids=["evolve tol", "evolve patience", "fool_image tol"],
)
def test_plateau_settings_are_checked(tanh_pair, call, message):
    with pytest.raises(ValueError, match=message):
        call(tanh_pair[0])
