"""helpers.ood.relu_ray_limits: where a ReLU network's rays settle in their last linear region,
and the confidence there as the scale grows (Hein, Andriushchenko and Bitterwolf, 2019)."""

import warnings

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.neural_network import MLPClassifier

from helpers import ood
from helpers.network import layers

ALPHAS = np.geomspace(1.0, 1e4, 13)


@pytest.fixture(scope="module")
def relu(blobs):
    return MLPClassifier((8, 5), max_iter=2000, random_state=0).fit(*blobs)


def _pattern(model, X):
    """Which hidden units are on, every hidden layer side by side."""
    return np.hstack([layers._pre_activation(model, X, k) > 0
                      for k in range(1, model.n_layers_ - 1)])


def test_a_ray_keeps_its_region_from_the_scale_found_on(relu, blobs):
    X, _ = blobs
    rays = np.random.default_rng(0).uniform(size=(40, 6))
    rays = np.vstack([rays, X[:20]])
    grid = np.geomspace(1.0, 1e8, 33)
    found = ood.relu_ray_limits(relu, rays, grid)["alpha"]
    assert np.all(np.isfinite(found))
    for x, alpha in zip(rays, found):
        later = np.geomspace(alpha, 1e12, 49)[:, np.newaxis] * x
        assert np.all(_pattern(relu, later) == _pattern(relu, later[:1])), alpha
        earlier = grid[grid < alpha]
        if earlier.size:  # one grid step before, some unit was still to switch
            assert np.any(_pattern(relu, earlier[-1] * x[np.newaxis]) != _pattern(relu, later[:1]))


def test_the_limit_confidence_is_the_confidence_far_out(relu):
    rays = np.random.default_rng(1).uniform(size=(30, 6))
    limits = ood.relu_ray_limits(relu, rays, ALPHAS)
    winner = limits["margin"] > 0  # one class's logit grows fastest: the theorem's case
    assert winner.any() and (~winner).any()
    np.testing.assert_allclose(limits["limit confidence"][winner], 1.0)
    assert np.all(limits["limit confidence"][~winner] < 1.0)
    np.testing.assert_allclose(relu.predict_proba(1e9 * rays).max(axis=1),
                               limits["limit confidence"], rtol=1e-6)


def test_a_layer_off_everywhere_gives_a_constant_limit_below_1(relu):
    # every unit of the last hidden layer off for inputs >= 0: V = 0, all classes tie, and the
    # confidence along every ray tends to the constant softmax of the output biases
    dead = MLPClassifier((8, 5), max_iter=2000, random_state=0)
    dead.__dict__.update({k: v for k, v in relu.__dict__.items() if k.endswith("_")})
    dead.coefs_ = [W.copy() for W in relu.coefs_]
    dead.intercepts_ = [b.copy() for b in relu.intercepts_]
    dead.coefs_[1] = -np.abs(dead.coefs_[1])
    dead.intercepts_[1] = -np.abs(dead.intercepts_[1]) - 1.0
    rays = np.random.default_rng(2).uniform(size=(10, 6))
    limits = ood.relu_ray_limits(dead, rays, ALPHAS)
    constant = softmax(dead.intercepts_[-1]).max()
    np.testing.assert_allclose(limits["margin"], 0.0)
    np.testing.assert_allclose(limits["limit confidence"], constant)
    np.testing.assert_allclose(dead.predict_proba(1e6 * rays).max(axis=1), constant)
    assert constant < 1.0


def test_a_ray_that_settles_beyond_the_grid_gets_inf(relu):
    rays = np.random.default_rng(0).uniform(size=(20, 6))
    found = ood.relu_ray_limits(relu, rays, ALPHAS)["alpha"]
    late = found > ALPHAS[0]
    assert late.any()
    short = ood.relu_ray_limits(relu, rays[late], ALPHAS[:1])["alpha"]
    assert np.all(np.isinf(short))


def test_relu_ray_limits_refuses_a_tanh_network(blobs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tanh = MLPClassifier((4,), activation="tanh", max_iter=20, random_state=0).fit(*blobs)
    with pytest.raises(ValueError, match="needs a fitted MLPClassifier with activation='relu'"):
        ood.relu_ray_limits(tanh, blobs[0][:3])


def test_relu_ray_limits_refuses_rays_of_another_width(relu):
    with pytest.raises(ValueError, match="X"):
        ood.relu_ray_limits(relu, np.ones((2, 5)))
