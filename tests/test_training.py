"""helpers.training: adversarial training of an MLPClassifier, by partial_fit on attacked batches.

The helper is checked against the algorithm written out (as the notebook writes it): with
``eps = 0`` plain training by ``partial_fit`` on shuffled batches, with ``eps > 0`` the same loop
with each batch replaced by ``attacks.pgd``'s changes. Its result is a plain ``MLPClassifier``
that the other helpers read.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers import attacks, gradients, training
from helpers.training import AdversarialMLPClassifier


def _network(**changes):
    return MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=1e-2, batch_size=50,
                         random_state=0).set_params(**changes)


def _written_out(network, X, y, eps, epochs, warmup, seed, attack="pgd", n_steps=10):
    """The training loop as the notebook writes it: shuffle, cut into batches, attack each
    batch at the current size against the current weights, one partial_fit step."""
    network = clone(network).set_params(batch_size="auto")  # min(200, rows): one step a batch
    order_rng, attack_rng = np.random.default_rng(seed), np.random.default_rng([seed, 1])
    classes = np.unique(y)
    for epoch in range(epochs):
        size = eps * min(1.0, epoch / warmup) if warmup else eps
        order = order_rng.permutation(len(X))
        for start in range(0, len(X), 50):
            rows = order[start:start + 50]
            X_batch = X[rows]
            if size > 0 and hasattr(network, "coefs_"):
                seed_here = int(attack_rng.integers(2**31))
                if attack == "pgd":
                    X_batch = attacks.pgd(network, X_batch, y[rows], size, n_steps=n_steps,
                                          random_start=True, random_state=seed_here)
                else:
                    X_batch = attacks.pgd(network, X_batch, y[rows], size, step=1.25 * size,
                                          n_steps=1, random_start=True, random_state=seed_here)
            network.partial_fit(X_batch, y[rows], classes=classes)
    return network


def _same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.coefs_ + a.intercepts_,
                                                    b.coefs_ + b.intercepts_))


def test_with_eps_zero_it_is_plain_training_by_partial_fit(blobs):
    X, y = blobs
    trained = AdversarialMLPClassifier(_network(), eps=0.0, epochs=4, warmup_epochs=0,
                                       random_state=3).fit(X, y)
    plain = clone(_network(batch_size="auto"))  # min(200, rows): one step a batch
    rng = np.random.default_rng(3)
    for _ in range(4):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 50):
            plain.partial_fit(X[order[start:start + 50]], y[order[start:start + 50]],
                              classes=np.unique(y))
    assert _same_weights(trained.network_, plain)
    assert trained.network_.batch_size == 50  # the network's own setting, kept


@pytest.mark.parametrize("attack", ["pgd", "fgsm"])
def test_it_is_the_loop_written_out(blobs, attack):
    """Batches replaced by the attack at the size of the schedule: the same weights, to the
    last bit, as the loop written out; and not those of plain training."""
    X, y = blobs
    trained = AdversarialMLPClassifier(_network(), eps=0.05, attack=attack, n_steps=3, epochs=3,
                                       warmup_epochs=2, random_state=1).fit(X, y)
    expected = _written_out(_network(), X, y, 0.05, 3, 2, 1, attack, n_steps=3)
    assert _same_weights(trained.network_, expected)
    assert len(trained.loss_curve_) == 3
    plain = _written_out(_network(), X, y, 0.0, 3, 2, 1)
    assert not _same_weights(trained.network_, plain)


def test_the_result_is_a_plain_network_every_helper_reads(blobs):
    X, y = blobs
    model = AdversarialMLPClassifier(_network(), eps=0.05, epochs=3, warmup_epochs=1).fit(X, y)
    assert type(model.network_) is MLPClassifier
    np.testing.assert_array_equal(model.predict_proba(X), model.network_.predict_proba(X))
    np.testing.assert_array_equal(model.predict(X), model.network_.predict(X))
    np.testing.assert_array_equal(model.classes_, np.unique(y))
    assert gradients.input_gradient(model.network_, X[:2], y[:2]).shape == (2, X.shape[1])
    exact = attacks.minimal_perturbation_relu(model.network_, X[:1])
    assert exact.optimal[0]
    assert attacks.certified_radius(model.network_, X[:1])[0] <= exact.eps[0]


def test_it_clones_with_its_parameters_and_the_default_network():
    model = AdversarialMLPClassifier(eps=0.2, attack="fgsm", epochs=7, warmup_epochs=3,
                                     random_state=5)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert copy.estimator is None
    assert training._check_network(None).hidden_layer_sizes == (50, 20)


def test_the_default_network_is_the_series_standard_network(blobs):
    X, y = blobs
    model = AdversarialMLPClassifier(eps=0.0, epochs=1, warmup_epochs=0).fit(X, y)
    assert model.network_.hidden_layer_sizes == (50, 20)
    assert model.network_.alpha == 1e-2


# --- Bad inputs: one test per case -------------------------------------------------------------


def test_rejects_an_estimator_that_is_not_a_network(blobs):
    with pytest.raises(TypeError, match="estimator must be an MLPClassifier"):
        AdversarialMLPClassifier(LogisticRegression()).fit(*blobs)


def test_rejects_a_solver_without_partial_fit(blobs):
    with pytest.raises(ValueError, match="solver='lbfgs'.*no partial_fit"):
        AdversarialMLPClassifier(_network(solver="lbfgs")).fit(*blobs)


def test_rejects_early_stopping(blobs):
    with pytest.raises(ValueError, match="early_stopping=True, which partial_fit ignores"):
        AdversarialMLPClassifier(_network(early_stopping=True)).fit(*blobs)


def test_rejects_a_negative_eps(blobs):
    with pytest.raises(ValueError, match="eps must be a finite number >= 0"):
        AdversarialMLPClassifier(_network(), eps=-0.1).fit(*blobs)


def test_rejects_an_unknown_attack(blobs):
    with pytest.raises(ValueError, match=r"attack must be one of \('pgd', 'fgsm'\)"):
        AdversarialMLPClassifier(_network(), attack="cw").fit(*blobs)


def test_rejects_zero_steps(blobs):
    with pytest.raises(ValueError, match="n_steps must be a whole number >= 1"):
        AdversarialMLPClassifier(_network(), n_steps=0).fit(*blobs)


def test_rejects_zero_epochs(blobs):
    with pytest.raises(ValueError, match="epochs must be a whole number >= 1"):
        AdversarialMLPClassifier(_network(), epochs=0).fit(*blobs)


def test_rejects_a_negative_warmup(blobs):
    with pytest.raises(ValueError, match="warmup_epochs must be a whole number >= 0"):
        AdversarialMLPClassifier(_network(), warmup_epochs=-1).fit(*blobs)


def test_rejects_a_warmup_longer_than_the_training(blobs):
    with pytest.raises(ValueError, match="warmup_epochs=10 with epochs=10 leaves no epoch at the"):
        AdversarialMLPClassifier(_network(), epochs=10, warmup_epochs=10).fit(*blobs)


def test_rejects_a_seed_that_is_not_a_whole_number(blobs):
    with pytest.raises(ValueError, match="random_state must be a whole number >= 0"):
        AdversarialMLPClassifier(_network(), random_state=1.5).fit(*blobs)


def test_rejects_rows_outside_the_box(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="outside clip=.*0-255 pixels"):
        AdversarialMLPClassifier(_network()).fit(255 * X, y)


def test_rejects_a_reversed_box(blobs):
    with pytest.raises(ValueError, match="clip must satisfy low < high"):
        AdversarialMLPClassifier(_network(), clip=(1.0, 0.0)).fit(*blobs)


def test_rejects_labels_of_the_wrong_length(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"y must have shape \(180,\)"):
        AdversarialMLPClassifier(_network()).fit(X, y[:-1])


def test_rejects_prediction_before_fit(blobs):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        AdversarialMLPClassifier(_network()).predict_proba(blobs[0])


def test_rejects_rows_of_another_width_at_prediction(blobs):
    X, y = blobs
    model = AdversarialMLPClassifier(_network(), eps=0.0, epochs=1, warmup_epochs=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features"):
        model.predict(X[:, :5])
