"""helpers.attacks.one_pixel_flips_grid: the brute-force one-pixel search on a network, every pixel and grid value."""

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

from helpers import attacks, network


def _network(activation, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((40, 40))
    y = (X[:, :20].sum(axis=1) > 10).astype(int) + (X[:, 20:].sum(axis=1) > 10.5)
    model = MLPClassifier((6, 2), activation=activation, max_iter=300, learning_rate_init=0.05,
                          random_state=seed)
    return model.fit(X, y), X


@pytest.mark.parametrize("seed", [0, 1])
def test_grid_search_equals_trying_every_changed_image(seed):
    model, X = _network("tanh", seed)
    values = [0.0, 0.3, 1.0]
    expected = []
    for x in X:
        images = np.repeat(x[None], X.shape[1] * len(values), axis=0)
        images[np.arange(len(images)), np.repeat(np.arange(X.shape[1]), len(values))] = np.tile(values, X.shape[1])
        expected.append(np.any(model.predict(images) != model.predict(x[None])[0]))
    found = attacks.one_pixel_flips_grid(model, X, values=values, batch_size=3)
    np.testing.assert_array_equal(found, expected)
    assert 0 < found.sum() < len(X)  # the test can fail both ways


def test_on_an_identity_network_the_end_values_give_the_exact_answer():
    model, X = _network("identity")
    exact = attacks.one_pixel_flips_linear(network.collapse_identity_network(model), X)
    np.testing.assert_array_equal(attacks.one_pixel_flips_grid(model, X, values=[0.0, 1.0]), exact)
    assert exact.any()


@pytest.mark.parametrize("X, kwargs, message", [
    (np.full((2, 40), 2.0), {}, "outside clip"),
    (np.full((2, 40), 0.5), {"values": [0.0, 1.5]}, "inside clip"),
    (np.full((2, 40), 0.5), {"values": []}, "non-empty"),
    (np.full((2, 40), 0.5), {"batch_size": 0}, "batch_size"),
    (np.full((2, 4), 0.5), {}, "features"),
])
def test_grid_search_errors(X, kwargs, message):
    model, _ = _network("tanh")
    with pytest.raises(ValueError, match=message):
        attacks.one_pixel_flips_grid(model, X, **kwargs)


@pytest.mark.parametrize("activation", ["tanh", "relu", "logistic", "identity"])
def test_skipping_the_pairs_the_bounds_rule_out_changes_no_answer(activation):
    # the search scores only (row, pixel) pairs whose logit bounds allow a flip; on this network
    # the bounds rule out some pairs and not others, and the answer equals scoring every pair
    model, X = _network(activation, seed=0)
    values = np.array([0.0, 0.5, 1.0])
    first = model.coefs_[0]
    weighted = X @ first + model.intercepts_[0]
    ends = [weighted[:, None, :] + (v - X)[..., None] * first for v in (0.0, 1.0)]
    hidden = network.ACTIVATIONS[activation]
    predicted = model.predict_proba(X).argmax(axis=1)
    ruled_out = network.box_keeps_class(
        model, hidden(np.minimum(*ends)).reshape(-1, first.shape[1]),
        hidden(np.maximum(*ends)).reshape(-1, first.shape[1]),
        np.repeat(predicted, X.shape[1]), start=1)
    assert 0 < ruled_out.mean() < 1
    every_pair = []
    for x, label in zip(X, predicted):
        images = np.repeat(x[None], X.shape[1] * len(values), axis=0)
        images[np.arange(len(images)), np.repeat(np.arange(X.shape[1]), len(values))] = np.tile(values, X.shape[1])
        every_pair.append(np.any(model.predict_proba(images).argmax(axis=1) != label))
    found = attacks.one_pixel_flips_grid(model, X, values=values)
    np.testing.assert_array_equal(found, every_pair)
    assert 0 < found.sum() < len(X)
