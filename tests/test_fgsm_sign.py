"""helpers.scorecard.fgsm_mistakes: a gradient component that is only rounding moves no pixel.

A density's gradient has components 1e-40 times its largest, whose sign the numeric kernels'
rounding decides (notebook 10's density-gated model: an FGSM error of 0.246 with one BLAS thread,
0.244 with two). Below attacks.SIGN_RTOL times the row's largest a component counts as 0.
"""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from helpers import attacks, scorecard


@pytest.fixture(scope="module")
def by_second_pixel():
    """Two pixels; the class is whether the second is above 0.5 (the first does not matter)."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(size=200), np.r_[rng.uniform(0.0, 0.4, 100),
                                                      rng.uniform(0.6, 1.0, 100)]])
    y = (X[:, 1] > 0.5).astype(int)
    near_the_border = np.array([[0.5, 0.45], [0.5, 0.55]])
    return LogisticRegression(C=100.0).fit(X, y), near_the_border, np.array([0, 1])


def _gradient_with_second_component(relative):
    """A stand-in for the model's gradient: the first pixel's component 1, the second's
    ``relative``, pointing toward the other class."""
    def gradient(model, X, label):
        toward_other = 1.0 if label == 0 else -1.0
        g = np.column_stack([np.ones(len(X)), np.full(len(X), -toward_other * relative)])
        return np.zeros(len(X)), g
    return gradient


def test_a_component_below_the_tolerance_moves_no_pixel(by_second_pixel, monkeypatch):
    model, X, y = by_second_pixel
    assert np.all(model.predict(X) == y)
    monkeypatch.setattr(scorecard.adaptive, "log_probability_and_gradient",
                        _gradient_with_second_component(1e-40))
    assert scorecard.fgsm_mistakes(model, X, y, 0.25)["error"] == 0.0


def test_a_component_above_the_tolerance_still_moves_its_pixel(by_second_pixel, monkeypatch):
    model, X, y = by_second_pixel
    monkeypatch.setattr(scorecard.adaptive, "log_probability_and_gradient",
                        _gradient_with_second_component(1e3 * attacks.SIGN_RTOL))
    assert scorecard.fgsm_mistakes(model, X, y, 0.25)["error"] == 1.0
