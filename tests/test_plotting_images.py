"""helpers.plotting.images: what the perturbed-digit figure draws."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.plotting import plot_perturbed_digit


def test_three_panels_with_the_images_and_a_centred_change():
    rng = np.random.default_rng(0)
    digit = rng.random(784)
    changed = np.clip(digit + 0.03 * np.sign(rng.normal(size=784)), 0, 1)
    axes = plot_perturbed_digit(digit, changed, titles=("a 3", "change", "now a 2"))
    assert [ax.get_title() for ax in axes] == ["a 3", "change", "now a 2"]
    first, middle, last = (ax.get_images()[0] for ax in axes)
    np.testing.assert_allclose(first.get_array(), digit.reshape(28, 28))
    np.testing.assert_allclose(middle.get_array(), (changed - digit).reshape(28, 28))
    low, high = middle.get_clim()
    assert low == -high and high == pytest.approx(np.abs(changed - digit).max())
    assert first.get_clim() == (0, 1) and last.get_clim() == (0, 1)
    assert len(axes[0].figure.axes) == 4  # three panels and the colour bar


def test_draws_on_given_axes():
    fig, axes = plt.subplots(1, 3)
    assert list(plot_perturbed_digit(np.zeros(49), np.ones(49), axes=axes)) == list(axes)


@pytest.mark.parametrize(
    "original, perturbed, message",
    [(np.zeros(50), np.zeros(50), "square image"), (np.zeros(49), np.zeros(784), "differ in size")],
)
def test_bad_images_are_named(original, perturbed, message):
    with pytest.raises(ValueError, match=message):
        plot_perturbed_digit(original, perturbed)



def test_wrong_number_of_titles_is_named():
    with pytest.raises(ValueError, match="titles must hold 3 strings, one per panel; got 2"):
        plot_perturbed_digit(np.zeros(49), np.ones(49), titles=("a", "b"))


def test_wrong_number_of_axes_is_named():
    _, two = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="axes must hold 3 Axes, one per panel; got 2"):
        plot_perturbed_digit(np.zeros(49), np.ones(49), axes=two)
