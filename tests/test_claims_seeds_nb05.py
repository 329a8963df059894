"""Notebook 05's seed-dependent claims, each checked over 5 network seeds in the direction the text states.

The notebook's stored outputs are one draw (``random_state=21``); its text calls these
conclusions robust. Each test trains nothing of its own: the 10 networks (2 per seed) are fitted
once for the module, about 20 s of CPU and most of its run time, and every claim is checked for
each seed.
"""

import numpy as np
import pytest

from helpers import attacks, data, models, network

SEEDS = (models.MNIST_SEED, 0, 1, 2, 3)


@pytest.fixture(scope="module")
def digits():
    X, y = data.load_mnist_digits(digits=(0, 1, 2, 3))
    return data.split_digits(X, y, test_size=0.25, random_state=0)


@pytest.fixture(scope="module")
def networks(digits):
    X_train, _, y_train, _ = digits
    return {
        seed: {
            "identity": models.mnist_identity_network().set_params(random_state=seed).fit(X_train, y_train),
            "tanh": models.mnist_tanh_network().set_params(random_state=seed).fit(X_train, y_train),
        }
        for seed in SEEDS
    }


def _error(model, X, y):
    return float(np.mean(model.predict(X) != y))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_tanh_network_is_the_more_accurate(networks, digits, seed):
    _, X_test, _, y_test = digits
    nets = networks[seed]
    assert nets["tanh"].score(X_test, y_test) > nets["identity"].score(X_test, y_test)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("eps", [0.02, 0.05])
def test_the_identity_network_falls_faster_at_small_eps(networks, digits, seed, eps):
    _, X_test, _, y_test = digits
    nets = networks[seed]
    for attack in (attacks.fgsm, lambda *args: attacks.pgd(*args, n_steps=10)):
        identity = _error(nets["identity"], attack(nets["identity"], X_test, y_test, eps), y_test)
        tanh = _error(nets["tanh"], attack(nets["tanh"], X_test, y_test, eps), y_test)
        assert identity > tanh, (attack, identity, tanh)


@pytest.mark.parametrize("seed", SEEDS)
def test_fgsm_levels_off_below_pgd_on_the_tanh_network(networks, digits, seed):
    _, X_test, _, y_test = digits
    tanh = networks[seed]["tanh"]
    fgsm_error = _error(tanh, attacks.fgsm(tanh, X_test, y_test, 0.25), y_test)
    pgd_error = _error(tanh, attacks.pgd(tanh, X_test, y_test, 0.25, n_steps=10), y_test)
    assert fgsm_error < pgd_error
    assert pgd_error >= 0.98  # "to zero here, and over the seeds to at most 1.8 %"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_tanh_ceilings_stay_below_099(networks, seed):
    ceiling = network.confidence_ceiling(networks[seed]["tanh"]).ceiling
    assert np.all(ceiling < 0.99)
    assert np.all(ceiling > 0.9)  # and the network still gets confident: the cap is not trivial


@pytest.mark.parametrize("seed", SEEDS)
def test_one_pixel_rates_are_a_few_per_cent(networks, digits, seed):
    _, X_test, _, y_test = digits
    nets = networks[seed]
    correct = nets["identity"].predict(X_test) == y_test
    exact = attacks.one_pixel_flips_linear(network.collapse_identity_network(nets["identity"]), X_test[correct])
    assert 0 < exact.mean() < 0.1
    correct = nets["tanh"].predict(X_test) == y_test
    # the notebook's grid on every other correctly classified digit keeps the test fast
    grid = attacks.one_pixel_flips_grid(nets["tanh"], X_test[correct][::2], values=np.linspace(0, 1, 5))
    assert 0 < grid.mean() < 0.1
