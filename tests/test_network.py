"""helpers.network: propagation through every layer of a fitted MLPClassifier."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier

from helpers import network


def _fit(activation, n_classes, hidden=(7, 5, 2), seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 6))
    y = np.arange(60) % n_classes
    model = MLPClassifier(hidden, activation=activation, max_iter=5, random_state=seed)
    with pytest.warns(Warning):  # 5 iterations do not converge; only the weights matter here
        model.fit(X, y)
    return model, X


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_output_layer_reproduces_predict_proba(activation, n_classes):
    model, X = _fit(activation, n_classes)
    probabilities = network.propagate(model, X, model.n_layers_ - 1)
    np.testing.assert_allclose(probabilities, model.predict_proba(X), rtol=0, atol=1e-12)


def test_layer_zero_is_the_input_and_shapes_follow_the_architecture():
    model, X = _fit("tanh", 3)
    np.testing.assert_array_equal(network.propagate(model, X, 0), X)
    assert network.layer_sizes(model) == [6, 7, 5, 2, 3]
    for layer, size in enumerate(network.layer_sizes(model)):
        assert network.propagate(model, X, layer).shape == (60, size)


def test_tanh_layers_stay_inside_the_open_square():
    model, X = _fit("tanh", 3)
    assert np.all(np.abs(network.propagate(model, 100 * X, 3)) < 1)


def test_pre_activation_then_activation_is_the_layer():
    model, X = _fit("tanh", 3)
    np.testing.assert_allclose(
        np.tanh(network.pre_activation(model, X, 2)), network.propagate(model, X, 2), atol=1e-14
    )


def test_unfitted_network_is_refused():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        network.propagate(MLPClassifier(), np.zeros((1, 3)), 1)


def test_a_model_that_is_not_a_network_is_refused(iris_model):
    with pytest.raises(TypeError, match="MLPClassifier"):
        network.propagate(iris_model, np.zeros((1, 2)), 1)


def test_unsupported_activation_is_named():
    model, X = _fit("relu", 3)
    model.activation = "softplus"
    with pytest.raises(ValueError, match="softplus.*not supported"):
        network.propagate(model, X, 2)


@pytest.mark.parametrize("layer", [-1, 5])
def test_layer_out_of_range_names_the_valid_layers(layer):
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match="layers 0 \\(input\\) to 4 \\(output\\)"):
        network.propagate(model, X, layer)


def test_wrong_number_of_features_is_refused():
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match="has 5 features but 6 are expected"):
        network.propagate(model, X[:, :5], 2)


def test_pre_activation_of_the_input_is_refused():
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match="no pre-activation"):
        network.pre_activation(model, X, 0)
