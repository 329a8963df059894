"""A fitted ``MLPClassifier`` as the ``MLPRegressor`` that outputs its logits.

Tools that read a scikit-learn network often take a regressor and not a classifier:
gurobi-machinelearning 1.7 rejects ``MLPClassifier`` (``benchmarks/peer_solvers.py``), and a
verifier wants the network's logits rather than skl2onnx's probabilities
(``benchmarks/vnnlib.py``). The same weights with an identity output give the logits, whose
softmax is ``predict_proba`` and whose largest entry is ``predict``.
"""

from __future__ import annotations

from sklearn.neural_network import MLPClassifier, MLPRegressor

from helpers.network import check_network


def logit_regressor(net: MLPClassifier) -> MLPRegressor:
    """An ``MLPRegressor`` whose ``predict`` returns the logits of ``net``.

    Parameters
    ----------
    net : MLPClassifier
        Fitted, three classes or more (one logit per class).

    Returns
    -------
    MLPRegressor
        Fitted (copies of the weights): ``predict(X)`` of shape (n_samples, n_classes).

    Raises
    ------
    ValueError
        If ``net`` has two classes: scikit-learn gives it one logit, not one per class.
    """
    check_network(net, "net")
    if len(net.classes_) < 3:
        raise ValueError(
            f"net has {len(net.classes_)} classes, and scikit-learn gives a two-class network "
            "a single logit; fit it on three classes or more to get one logit per class."
        )
    regressor = MLPRegressor(hidden_layer_sizes=net.hidden_layer_sizes,
                             activation=net.activation)
    regressor.coefs_ = [weights.copy() for weights in net.coefs_]
    regressor.intercepts_ = [bias.copy() for bias in net.intercepts_]
    regressor.n_layers_ = net.n_layers_
    regressor.n_outputs_ = net.n_outputs_
    regressor.n_features_in_ = net.n_features_in_
    regressor.n_iter_ = net.n_iter_
    regressor.out_activation_ = "identity"
    return regressor
