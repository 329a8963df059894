"""helpers.training: scikit-learn's own estimator checks on AdversarialMLPClassifier.

Small and fast settings (a network of 8 units, 3 epochs); ``clip=None``, since the checks' data
are not pixels. Every check scikit-learn runs on a classifier passes, except those listed in
``CHECKS_THAT_CANNOT_APPLY`` with the reason; they run as strict expected failures, so one that
starts to pass fails the test and must leave the list.
"""

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from helpers.training import AdversarialMLPClassifier

ESTIMATORS = [
    AdversarialMLPClassifier(
        MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=1e-2, random_state=0),
        eps=0.05, n_steps=3, epochs=15, warmup_epochs=1, clip=None),
]

#: Checks that cannot apply, with the reason.
CHECKS_THAT_CANNOT_APPLY: dict[str, str] = {
    check: (
        "fits whole-numbered features (0 to 4) with clip=None; the attacks of the series refuse "
        "whole numbers up to 255 without a box, as 0-255 pixels given where pixels in [0, 1] "
        "are meant (their changes would leave the pixel range), and fit says so before "
        "training rather than accept them."
    ) for check in ("check_estimators_dtypes", "check_classifier_data_not_an_array")
}


def test_whole_numbered_features_without_a_box_get_our_message():
    X = np.array([[0.0, 2.0], [4.0, 1.0], [3.0, 0.0], [1.0, 4.0]])
    with pytest.raises(ValueError, match="like 0-255 pixels.*divide X by 255"):
        ESTIMATORS[0].fit(X, [0, 1, 0, 1])


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda _: CHECKS_THAT_CANNOT_APPLY,
                         xfail_strict=True)
def test_adversarial_training_passes_scikit_learns_estimator_checks(estimator, check):
    check(estimator)
