"""helpers.ood: Hein et al.'s far-away measurements, photo patches, MMC and AUC."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from helpers import data, ood


@pytest.fixture(scope="module")
def digits_like():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 50)
    centres = rng.uniform(0, 1, size=(3, 10))
    X = np.clip(centres[y] + rng.normal(scale=0.1, size=(150, 10)), 0, 1)
    return X, y


@pytest.fixture(scope="module")
def relu_net(digits_like):
    X, y = digits_like
    return MLPClassifier((16,), activation="relu", max_iter=3000, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def tanh_net(digits_like):
    X, y = digits_like
    return MLPClassifier((2,), activation="tanh", max_iter=3000, random_state=0).fit(X, y)


def test_relu_network_grows_sure_along_rays(relu_net):
    noise = np.random.default_rng(1).uniform(0, 1, size=(20, 10))
    curve = ood.confidence_along_rays(relu_net, noise, alphas=[1, 1e2, 1e4])
    assert curve.shape == (3, 20)
    assert np.median(curve[-1]) > 0.999
    alpha = ood._smallest_alpha_reaching(relu_net, noise, confidence=0.999)
    assert np.all(np.isfinite(alpha))


def test_tanh_network_never_reaches_above_its_ceiling(tanh_net):
    noise = np.random.default_rng(2).uniform(0, 1, size=(20, 10))
    ceiling = ood.confidence_along_rays(tanh_net, noise, alphas=[1e6]).max()
    alpha = ood._smallest_alpha_reaching(tanh_net, noise, confidence=min(0.999, ceiling + 1e-6))
    assert np.all(np.isinf(alpha))


def test_smallest_alpha_is_refined_inside_the_first_grid_interval_reaching(relu_net):
    noise = np.random.default_rng(3).uniform(0, 1, size=(8, 10))
    alphas = np.geomspace(1, 1e3, 7)
    curve = ood.confidence_along_rays(relu_net, noise, alphas)
    found = ood._smallest_alpha_reaching(relu_net, noise, 0.99, alphas, rtol=1e-4)
    refined = 0
    for i, alpha in enumerate(found):
        k = np.argmax(curve[:, i] >= 0.99)  # the first grid value reaching
        assert np.isfinite(alpha) and alpha <= alphas[k]
        if k == 0:
            assert alpha == alphas[0]
            continue
        refined += 1
        assert alpha > alphas[k - 1]
        # the level is reached at alpha, and not a relative 1e-4 below it
        scaled = np.outer([alpha, alpha / (1 + 1e-4)], noise[i])
        at, below = relu_net.predict_proba(scaled).max(axis=1)
        assert at >= 0.99 > below
    assert refined >= 4  # the check above is not vacuous


def test_smallest_alpha_rejects_a_bad_rtol(relu_net):
    with pytest.raises(ValueError, match="rtol"):
        ood._smallest_alpha_reaching(relu_net, np.ones((2, 10)), rtol=0.0)


def test_confident_share_clipped_counts_clipped_images(relu_net):
    noise = np.random.default_rng(4).uniform(0, 1, size=(10, 10))
    alphas = [1.0, 10.0]
    share = ood.confident_share_clipped(relu_net, noise, alphas, threshold=0.95)
    clipped = np.clip(np.array(alphas)[:, None, None] * noise[None], 0, 1).reshape(-1, 10)
    assert share == np.mean(relu_net.predict_proba(clipped).max(axis=1) > 0.95)


@pytest.mark.parametrize("alphas", [[], [2.0, 1.0], [0.0, 1.0], [[1.0]]])
def test_bad_alphas_raise(relu_net, alphas):
    with pytest.raises(ValueError, match="alphas"):
        ood.confidence_along_rays(relu_net, np.ones((2, 10)), alphas)


@pytest.mark.parametrize("level", [0, 1, 1.5])
def test_bad_confidence_raises(relu_net, level):
    with pytest.raises(ValueError, match="confidence"):
        ood._smallest_alpha_reaching(relu_net, np.ones((2, 10)), confidence=level)


def test_bad_threshold_raises(relu_net):
    with pytest.raises(ValueError, match="threshold"):
        ood.confident_share_clipped(relu_net, np.ones((2, 10)), threshold=1.0)


def test_photo_patches_are_grey_images_in_the_range():
    patches = data.photo_patches(6, value_range=(0.0, 1.0), random_state=0)
    assert patches.shape == (6, 784)
    assert patches.min() >= 0 and patches.max() <= 1
    assert np.all(patches.std(axis=1) > 0)  # real texture, not a constant
    np.testing.assert_array_equal(patches, data.photo_patches(6, random_state=0))
    scaled = data.photo_patches(6, value_range=(-1.0, 1.0), random_state=0)
    np.testing.assert_allclose(scaled, 2 * patches - 1)


def test_photo_patches_reject_a_patch_too_large():
    with pytest.raises(ValueError, match="does not fit"):
        data.photo_patches(1, size=28, zoom=30)


@pytest.mark.parametrize("n_patches", [0, 2.5, True])
def test_photo_patches_reject_a_bad_count(n_patches):
    with pytest.raises(ValueError, match="n_patches"):
        data.photo_patches(n_patches)


def test_photo_patches_reject_a_bad_range():
    with pytest.raises(ValueError, match="value_range"):
        data.photo_patches(1, value_range=(1.0, 0.0))


def test_mmc_and_auc(digits_like):
    X, y = digits_like
    model = LogisticRegression().fit(X, y)
    far = X + 5.0  # outside the pixel box: value_range=None
    summary = ood.outsider_summary(model, X, {"far": far, "same": X}, value_range=None)
    assert set(summary) == {"MMC test digits", "MMC far", "AUC far", "MMC same", "AUC same"}
    assert summary["MMC test digits"] == pytest.approx(model.predict_proba(X).max(1).mean())
    assert summary["MMC far"] == pytest.approx(model.predict_proba(far).max(1).mean())
    # A linear model is surer far away: the AUC of max-confidence falls below 0.5.
    assert summary["AUC far"] < 0.5
    assert summary["AUC same"] == pytest.approx(0.5)


def test_far_away_summary_and_spread(relu_net):
    noise = np.random.default_rng(5).uniform(0, 1, size=(10, 10))
    summary = ood.far_away_summary(relu_net, noise)
    assert summary["median alpha"] >= 1 and 0 <= summary["clipped share"] <= 1
    assert ood.spread([0.1, 0.3, 0.2]) == "0.200 [0.100, 0.300]"


def test_spread_counts_never_and_undefined_apart():
    assert ood.spread([0.1, np.inf, 0.3, np.nan], decimals=2) == (
        "0.20 [0.10, 0.30]; 1 of 4 seeds never; 1 of 4 seeds undefined")
    assert ood.spread([np.inf, np.inf]) == "2 of 2 seeds never"


@pytest.mark.parametrize("values", [[], [[0.1, 0.2]]])
def test_spread_rejects_no_values(values):
    with pytest.raises(ValueError, match="values"):
        ood.spread(values)


# --- Bad input: a clear error naming the problem and the fix ----------------------------------

PIXELS_0_255 = (r"values in \[.*\], outside (value_range|clip)=\(0, 1\) "
                r"\(0-255 pixels\? divide them by 255\)")


@pytest.mark.parametrize(
    "measure",
    [
        lambda model, X: ood.confidence_along_rays(model, X, [1.0, 10.0]),
        lambda model, X: ood._smallest_alpha_reaching(model, X, alphas=[1.0, 10.0]),
        lambda model, X: ood.confident_share_clipped(model, X, [1.0, 10.0]),
        lambda model, X: ood.far_away_summary(model, X, [1.0, 10.0]),
        lambda model, X: ood.outsider_summary(model, X / 255, {"photos": X}),
    ],
    ids=["confidence_along_rays", "smallest_alpha_reaching", "confident_share_clipped",
         "far_away_summary", "outsider_summary"],
)
def test_measures_refuse_0_255_pixels(relu_net, digits_like, measure):
    with pytest.raises(ValueError, match=PIXELS_0_255):
        measure(relu_net, np.round(digits_like[0] * 255))


def test_outsider_summary_names_the_group_on_the_wrong_scale(relu_net, digits_like):
    X = digits_like[0]
    with pytest.raises(ValueError, match=r"outsiders\['photos'\] has values"):
        ood.outsider_summary(relu_net, X, {"photos": X * 255})


def test_far_away_summary_names_the_noise(relu_net, digits_like):
    with pytest.raises(ValueError, match="noise has values"):
        ood.far_away_summary(relu_net, digits_like[0] * 255, [1.0, 10.0])


def test_value_range_none_measures_features_without_bounds(relu_net, digits_like):
    X = digits_like[0]
    np.testing.assert_array_equal(
        ood.confidence_along_rays(relu_net, 3 * X, [1.0], value_range=None)[0],
        relu_net.predict_proba(3 * X).max(axis=1))


def test_measures_refuse_an_svm_without_probabilities(digits_like):
    X, y = digits_like
    with pytest.raises(TypeError, match=r"model \(SVC\) gives no class probabilities.*"
                                        r"CalibratedClassifierCV"):
        ood.confidence_along_rays(SVC().fit(X, y), X, [1.0])


def test_measures_refuse_an_unfitted_model(digits_like):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        ood.confidence_along_rays(LogisticRegression(), digits_like[0], [1.0])


def test_measures_name_a_wrong_number_of_features(relu_net, digits_like):
    with pytest.raises(ValueError, match="X has 4 features, but MLPClassifier is expecting 10"):
        ood.confidence_along_rays(relu_net, digits_like[0][:, :4], [1.0])
