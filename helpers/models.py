"""The series' model configurations, each a function that returns an unfitted, seeded estimator."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

#: Hidden layers of the post's networks: the last one has 2 units, so it can be drawn.
MNIST_HIDDEN_LAYERS: tuple[int, int, int] = (50, 20, 2)
#: Seed of every network of the series (the post's).
MNIST_SEED: int = 21


def iris_logistic_regression() -> LogisticRegression:
    """Multinomial logistic regression as the post fits it, in today's scikit-learn spelling.

    The post's ``LogisticRegression(max_iter=100, solver='lbfgs', multi_class='multinomial',
    penalty='l2')`` is exactly today's default: scikit-learn 1.5+ fits a multinomial (softmax)
    model for more than two classes, lbfgs is the default solver, and an L2 penalty with ``C=1``
    is the default regularisation. ``multi_class=`` has been removed and ``penalty=`` is
    deprecated, so neither is passed. lbfgs is deterministic, so no seed is needed.

    Returns
    -------
    LogisticRegression
        Unfitted.
    """
    return LogisticRegression(max_iter=100)


def mnist_identity_network() -> MLPClassifier:
    """The post's linear network: hidden layers (50, 20, 2), identity activation, SGD.

    As in the post: ``activation="identity"``, ``solver="sgd"``, ``learning_rate="adaptive"``,
    ``random_state=21``. Tuned for 1,500 training digits with pixels in [0, 1]: the post's
    ``learning_rate_init=5e-5`` (for 0–255 pixels and 20,000+ digits) is replaced by ``1e-2``,
    and ``early_stopping=True`` (10 % of the training digits held out for validation, split with
    the same seed) stops training when the validation accuracy stops improving, in about a
    second and without a ``ConvergenceWarning``.

    Returns
    -------
    MLPClassifier
        Unfitted; deterministic for a given input (seeded).
    """
    return MLPClassifier(
        hidden_layer_sizes=MNIST_HIDDEN_LAYERS,
        activation="identity",
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=1e-2,
        early_stopping=True,
        max_iter=500,
        random_state=MNIST_SEED,
    )


def mnist_tanh_network() -> MLPClassifier:
    """The post's non-linear network: hidden layers (50, 20, 2), tanh activation, Adam.

    As in the post: ``activation="tanh"``, ``solver="adam"``, ``random_state=21``. Tuned for
    1,500 training digits with pixels in [0, 1]: ``learning_rate_init=3e-3`` (the post: 1e-4)
    and ``tol=1e-3``, so training stops once the loss improves by less than 0.001 for 10
    epochs, in a few seconds and without a ``ConvergenceWarning``.

    Returns
    -------
    MLPClassifier
        Unfitted; deterministic for a given input (seeded).
    """
    return MLPClassifier(
        hidden_layer_sizes=MNIST_HIDDEN_LAYERS,
        activation="tanh",
        solver="adam",
        learning_rate_init=3e-3,
        tol=1e-3,
        max_iter=500,
        random_state=MNIST_SEED,
    )


def mnist_logistic_regression() -> LogisticRegression:
    """Multinomial logistic regression on 784 pixels: the linear model of the attack notebooks.

    ``C=0.1`` (stronger L2 than the default) keeps lbfgs converging within ``max_iter=500`` on
    pixels in [0, 1]; lbfgs is deterministic, so no seed is needed.

    Returns
    -------
    LogisticRegression
        Unfitted.
    """
    return LogisticRegression(C=0.1, max_iter=500)
