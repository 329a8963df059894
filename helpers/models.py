"""The series' model configurations, each a function that returns an unfitted, seeded estimator."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression


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
