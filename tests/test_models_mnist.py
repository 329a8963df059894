"""helpers.models: the MNIST networks train without warnings and reach the issue's accuracy."""

import numpy as np
import pytest

from helpers import data, models


@pytest.fixture(scope="module")
def digits():
    return data.split_digits(*data.load_mnist_digits())


@pytest.mark.parametrize(
    "make, activation, target",
    [
        (models.mnist_identity_network, "identity", 0.92),
        (models.mnist_tanh_network, "tanh", 0.94),
    ],
)
def test_networks_reach_the_target_accuracy_without_warnings(digits, make, activation, target):
    X_train, X_test, y_train, y_test = digits
    model = make().fit(X_train, y_train)  # filterwarnings=error: a ConvergenceWarning fails
    assert model.activation == activation
    assert model.hidden_layer_sizes == (50, 20, 2)
    assert model.score(X_test, y_test) >= target


def test_networks_are_seeded(digits):
    X_train, _, y_train, _ = digits
    a = models.mnist_identity_network().fit(X_train, y_train)
    b = models.mnist_identity_network().fit(X_train, y_train)
    np.testing.assert_array_equal(a.coefs_[2], b.coefs_[2])


def test_logistic_regression_on_pixels(digits):
    X_train, X_test, y_train, y_test = digits
    model = models.mnist_logistic_regression().fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95


@pytest.mark.parametrize("make", [models.mnist_identity_network, models.mnist_tanh_network])
def test_networks_take_a_seed(make):
    assert make().random_state == models.MNIST_SEED
    assert make(random_state=3).random_state == 3


@pytest.mark.parametrize("make", [models.mnist_identity_network, models.mnist_tanh_network])
def test_a_negative_seed_is_refused(make):
    with pytest.raises(ValueError, match="non-negative integer seed"):
        make(random_state=-1)


@pytest.mark.parametrize("make", [models.mnist_identity_network, models.mnist_tanh_network])
def test_a_fractional_seed_is_refused(make):
    with pytest.raises(ValueError, match="non-negative integer seed"):
        make(random_state=2.5)


@pytest.mark.parametrize("make", [models.mnist_identity_network, models.mnist_tanh_network])
def test_a_boolean_seed_is_refused(make):
    with pytest.raises(ValueError, match="non-negative integer seed"):
        make(random_state=True)
