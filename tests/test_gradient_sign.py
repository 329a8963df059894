"""FGSM's direction does not depend on rounding: gradient components too small to have a reliable
sign count as 0 (``attacks.gradient_sign``), in every attack that steps along a gradient's sign.

A gradient component that is 0 in exact arithmetic (a pixel no weight reads) comes out of floating
point as, say, +1e-25 or -1e-25, depending on the order of the sums: on the number of BLAS threads
or the CPU's kernels (notebook 10's FGSM error rate moved from 0.246 to 0.244 with the thread
count). The tests plant such components and flip their signs, as another machine would.
"""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from helpers import attacks, gradients

#: Pixels whose weights are replaced by rounding noise.
NOISY = np.arange(5)


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 8x8 digits 0-3, pixels scaled to [0, 1]."""
    X, y = load_digits(n_class=4, return_X_y=True)
    return X / 16.0, y


def _with_noisy_pixels(X, y, sign: float) -> LogisticRegression:
    """A logistic regression whose weights on :data:`NOISY` are +-1e-25: zero, up to rounding."""
    model = LogisticRegression(max_iter=500).fit(X, y)
    rng = np.random.default_rng(0)
    model.coef_[:, NOISY] = sign * rng.choice([-1.0, 1.0], size=(len(model.classes_), len(NOISY))) * 1e-25
    return model


@pytest.fixture(scope="module")
def twins(digits):
    """The same model twice, its noisy weights' signs flipped in the second (another machine)."""
    X, y = digits
    return _with_noisy_pixels(X, y, 1.0), _with_noisy_pixels(X, y, -1.0)


def test_components_below_the_relative_threshold_count_as_zero():
    gradient = np.array([[2.0, -1e-20, -0.5, 3e-9, 1e-9], [0.0, 0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(
        attacks.gradient_sign(gradient), [[1.0, 0.0, -1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]])


def test_the_threshold_is_relative_to_each_rows_largest_component():
    gradient = np.array([[1e-30, -1e-31, 2e-42], [1e3, -1e-31, 2e-42]])
    np.testing.assert_array_equal(attacks.gradient_sign(gradient), [[1.0, -1.0, 0.0], [1.0, 0.0, 0.0]])


def test_rtol_zero_is_numpys_sign():
    gradient = np.random.default_rng(1).normal(size=(4, 6)) * np.logspace(-40, 0, 6)
    np.testing.assert_array_equal(attacks.gradient_sign(gradient, rtol=0), np.sign(gradient))


def test_the_planted_noise_would_change_the_plain_sign(twins, digits):
    """The premise of the tests below: with ``np.sign`` the twins' directions differ."""
    X, y = digits
    signs = [np.sign(gradients.input_gradient(model, X[:50], y[:50]))[:, NOISY] for model in twins]
    assert np.any(signs[0] != signs[1])


@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
@pytest.mark.parametrize("norm", [np.inf, 2])
def test_fgsm_and_pgd_give_the_same_images_whatever_the_rounding(twins, digits, attack, norm):
    X, y = digits
    run = getattr(attacks, attack)
    first, second = (run(model, X[:50], y[:50], 0.1, norm=norm) for model in twins)
    if np.isinf(norm):  # the same images to the last bit; the noisy pixels do not move at all
        np.testing.assert_array_equal(first, second)
        np.testing.assert_array_equal(first[:, NOISY], X[:50, NOISY])
    else:  # an L2 step is continuous in the gradient: the noise moves it by about 1e-25
        np.testing.assert_allclose(first, second, rtol=0, atol=1e-20)


def test_surrogate_pgd_gives_the_same_images_whatever_the_rounding(twins, digits):
    X, y = digits
    target = (y[:50] + 1) % 4
    first, second = (attacks.surrogate_pgd(model, X[:50], y[:50], 0.1, target, relu_slope=0.0)
                     for model in twins)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first[:, NOISY], X[:50, NOISY])


def test_smallest_fgsm_gives_the_same_steps_whatever_the_rounding(twins, digits):
    X, y = digits
    first, second = (attacks.smallest_fgsm(model, X[:50], y[:50], np.linspace(0, 0.5, 51))
                     for model in twins)
    np.testing.assert_array_equal(first.eps, second.eps)
    np.testing.assert_array_equal(first.delta, second.delta)
    assert first.fooled.any()


# --- Bad input: each names the problem and the fix --------------------------------------------


def test_a_gradient_with_nan_is_refused():
    with pytest.raises(ValueError, match="gradient contains 1 NaN or infinite value"):
        attacks.gradient_sign(np.array([[1.0, np.nan]]))


def test_a_one_dimensional_gradient_is_refused():
    with pytest.raises(ValueError, match=r"gradient must be a 2-D array .* gradient.reshape\(1, -1\)"):
        attacks.gradient_sign(np.array([1.0, -2.0]))


def test_text_is_refused_as_a_gradient():
    with pytest.raises(ValueError, match="gradient must hold numbers only"):
        attacks.gradient_sign([["a", "b"]])


@pytest.mark.parametrize("rtol", [-1e-9, 1.0, float("nan"), True, "1e-9"])
def test_a_threshold_outside_0_1_is_refused(rtol):
    with pytest.raises(ValueError, match=r"rtol must be a number in \[0, 1\).*e\.g\. 1e-09"):
        attacks.gradient_sign(np.ones((1, 2)), rtol=rtol)
