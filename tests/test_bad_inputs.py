"""Bad input, as a new user gives it: a clear error naming the problem and the fix, never a silent
wrong result, a raw library message or an unrelated crash. One case per entry.

And the other side: valid but unusual inputs (a DataFrame with feature names, float32, one row)
work, without warnings.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError

from helpers import attacks, data, density, grids, models, network, plotting


@pytest.fixture(scope="module")
def mnist():
    """200 real digits 0-3 and a logistic regression fitted on them."""
    X, y = data.load_mnist_digits()
    X, y = X[::10], y[::10]
    return X, y, models.mnist_logistic_regression().fit(X, y)


@pytest.fixture(scope="module")
def iris_frame_model():
    """Iris petals as a DataFrame with feature names, string labels, and the model fitted on it."""
    frame = data.load_iris_petals()
    X = frame[list(data.IRIS_FEATURES)]
    y = frame[data.IRIS_TARGET].astype(str).to_numpy()
    return X, y, models.iris_logistic_regression().fit(X, y)


def _raises(error, message, call):
    with pytest.raises(error, match=message):
        call()


# --- Silently wrong before: now an error, or the right answer -------------------------------


@pytest.mark.parametrize("make_callable", ["decision_function", "predict"])
def test_probability_grid_refuses_scores_or_labels_as_probabilities(iris_model, make_callable):
    _raises(ValueError, "not probabilities|not numeric.*pass the model itself or its predict_proba",
            lambda: grids.probability_grid(getattr(iris_model, make_callable), (0, 7), (0, 3), 5))


def test_probability_grid_refuses_rows_that_do_not_sum_to_one():
    _raises(ValueError, "rows that do not sum to 1",
            lambda: grids.probability_grid(lambda P: np.full((len(P), 3), 0.5), (0, 1), (0, 1), 5))


def test_clip_error_no_longer_suggests_clip_none_for_0_255_pixels(mnist):
    X, y, model = mnist
    with pytest.raises(ValueError, match="0-255 pixels\\? divide them by 255") as info:
        attacks.fgsm(model, X[:5] * 255, y[:5], 0.1)
    assert "clip=None only for features without bounds" in str(info.value)


@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
def test_clip_none_on_0_255_pixels_is_refused(mnist, attack):
    X, y, model = mnist
    with pytest.raises(ValueError, match=r"X holds whole numbers from 0 to 255, like 0-255 pixels, "
                                         r"but clip=None.*divide X by 255 and pass clip=\(0, 1\)"):
        getattr(attacks, attack)(model, X[:5] * 255, y[:5], 0.1, clip=None)


@pytest.mark.parametrize(
    "search",
    [
        lambda model, X: attacks.minimal_perturbation_linear_in_box(model, X),
        lambda model, X: attacks.minimal_linf_perturbation_linear(model, X, clip=(0, 1)),
    ],
    ids=["minimal_perturbation_linear_in_box", "minimal_linf_perturbation_linear"],
)
def test_searches_in_the_pixel_box_say_0_255_pixels_need_dividing_not_clipping(mnist, search):
    X, _, model = mnist
    with pytest.raises(ValueError, match=r"outside clip=\(0, 1\) \(0-255 pixels\? divide them by "
                                         r"255.*rescale X into clip") as info:
        search(model, X[:5] * 255)
    assert "clip X first" not in str(info.value)  # the old advice: it would wipe the image


def test_accuracy_under_attack_takes_y_as_a_column(mnist):
    X, y, model = mnist
    flat = attacks.accuracy_under_attack({"lr": model}, X, y, [0.0])
    column = attacks.accuracy_under_attack({"lr": model}, X, y[:, np.newaxis], [0.0])
    pd.testing.assert_frame_equal(flat, column)
    assert flat["accuracy"].iloc[0] == pytest.approx(np.mean(model.predict(X) == y))  # not 0.25


def test_smallest_fgsm_refuses_an_empty_grid(mnist):
    X, y, model = mnist
    _raises(ValueError, "eps_grid must be a non-empty", lambda: attacks.smallest_fgsm(model, X, y, []))


@pytest.mark.parametrize(
    "draw",
    [
        lambda X: plotting.plot_digit(X[0] * 255),
        lambda X: plotting.plot_digit_grid(X[:4] * 255),
        lambda X: plotting.plot_digit_sample(X * 255, np.arange(len(X)) % 2, n_per_class=2),
        lambda X: plotting.plot_perturbed_digit(X[0] * 255, X[0] * 255),
    ],
    ids=["plot_digit", "plot_digit_grid", "plot_digit_sample", "plot_perturbed_digit"],
)
def test_digit_plots_refuse_0_255_pixels(mnist, draw):
    _raises(ValueError, r"pixels in \[0, 255\], outside the range drawn.*divide by 255",
            lambda: draw(mnist[0]))


@pytest.mark.parametrize(
    "draw",
    [
        lambda X: plotting.plot_digit(X[0]),
        lambda X: plotting.plot_digit_grid(X[:4]),
        lambda X: plotting.plot_perturbed_digit(X[1], X[0]),
    ],
    ids=["plot_digit", "plot_digit_grid", "plot_perturbed_digit"],
)
def test_digit_plots_refuse_nan_pixels(mnist, draw):
    X = mnist[0].copy()
    X[0, 100] = np.nan
    _raises(ValueError, "NaN or infinite pixel", lambda: draw(X))


def test_norm_agreement_refuses_nan_points_instead_of_dropping_them():
    _raises(ValueError, "2 of the 3 pairs hold NaN.*np.isfinite",
            lambda: plotting.plot_norm_agreement([1.0, np.nan, 2.0], [1.0, 2.0, np.nan]))


@pytest.mark.parametrize("mark", [784, -1, 2.5])
def test_digit_grid_refuses_marks_outside_the_image(mnist, mark):
    _raises(ValueError, "is not a pixel of a 28x28 image.*0-783",
            lambda: plotting.plot_digit_grid(mnist[0][:2], marks=[mark, None]))


# --- Unrelated crashes before ---------------------------------------------------------------


@pytest.mark.parametrize(
    "search",
    [
        lambda model, X: attacks.one_pixel_flips_linear(model, X[:2], clip=None),
        lambda model, X: attacks.fool_image(model, 1, clip=None),
        lambda model, X: attacks.evolve_fool_image(model, 1, clip=None),
        lambda model, X: attacks.one_pixel_attack(model, X[0], 0, clip=None),
    ],
    ids=["one_pixel_flips_linear", "fool_image", "evolve_fool_image", "one_pixel_attack"],
)
def test_searches_in_a_box_refuse_clip_none(mnist, search):
    X, _, model = mnist
    _raises(ValueError, "clip=None is not possible here.*pass clip=\\(low, high\\)",
            lambda: search(model, X))


@pytest.mark.parametrize("measure", ["accuracy_under_attack", "deepfool_vs_fgsm"])
def test_measurements_refuse_a_model_instead_of_a_dict(mnist, measure):
    X, y, model = mnist
    _raises(TypeError, "models must be a dict mapping a name to a fitted model.*\\{'LogisticRegression': model\\}",
            lambda: getattr(attacks, measure)(model, X, y, [0.1]))


def test_measurements_refuse_an_empty_dict(mnist):
    X, y, _ = mnist
    _raises(ValueError, "models is empty", lambda: attacks.accuracy_under_attack({}, X, y, [0.1]))


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score_samples"])
def test_unfitted_density_says_not_fitted(mnist, method):
    _raises(NotFittedError, "not fitted yet",
            lambda: getattr(density.ClassConditionalDensity(), method)(mnist[0]))


@pytest.mark.parametrize(
    "call",
    [
        lambda model, X: density.low_density_threshold(model, X),
        lambda model, X: density.typical_range(model, X),
        lambda model, X: density.predict_or_reject(model, X, -100.0),
    ],
    ids=["low_density_threshold", "typical_range", "predict_or_reject"],
)
def test_density_functions_refuse_a_classifier_without_density(mnist, call):
    X, y, _ = mnist
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    _raises(TypeError, "must be a fitted ClassConditionalDensity.*RandomForestClassifier, which gives no density",
            lambda: call(forest, X))


def test_plot_doubt_along_rays_refuses_a_dict():
    _raises(TypeError, "table must be the DataFrame returned by helpers.attacks.fools_along_rays; got dict",
            lambda: plotting.plot_doubt_along_rays({"class": [0], "travelled": [1.0]}))


@pytest.mark.parametrize(
    "draw",
    [
        lambda X: plotting.plot_digit_grid(X[:2], value_range=(1, 0)),
        lambda X: plotting.plot_digit(X[0], vmin=1, vmax=0),
        lambda X: plotting.plot_digit(X[0], vmin=0.5, vmax=0.5),
    ],
    ids=["reversed value_range", "vmin > vmax", "vmin == vmax"],
)
def test_reversed_ranges_fail_before_drawing(mnist, draw):
    _raises(ValueError, "must satisfy low < high.*Swap", lambda: draw(mnist[0]))


# --- Weak messages before: the right argument named, no raw library message ------------------


def test_fool_image_names_target_class(mnist):
    _raises(ValueError, "target_class=7 is not one of the model's classes; use one of 0, 1, 2, 3",
            lambda: attacks.fool_image(mnist[2], 7))


def test_propagate_names_x():
    X, y = data.load_mnist_digits()
    with warnings.catch_warnings():  # a few epochs are enough to have weights to check against
        warnings.simplefilter("ignore")
        net = models.mnist_identity_network().set_params(max_iter=5).fit(X[:100], y[:100])
    _raises(ValueError, "X has 10 features but 784 are expected", lambda: network.propagate(net, X[:3, :10], 1))


def test_text_features_get_a_message_of_ours(iris_model):
    _raises(ValueError, "X must hold numbers only.*Encode text columns",
            lambda: attacks.fgsm(iris_model, [["long", "wide"]], ["setosa"], 0.1, clip=None))


def test_ranges_of_the_wrong_shape_are_named(iris_model, iris_xy):
    _raises(ValueError, r"ranges must be \(\(x_low, x_high\), \(y_low, y_high\)\)",
            lambda: grids.max_probability_beyond(iris_model, iris_xy[0], [1.0], ((0, 7), (0, 3), (0, 1))))


@pytest.mark.parametrize("gamma", [-1, 0, "wide", True])
def test_rbf_svm_gamma_is_checked_by_us_not_by_cross_val_predict(gamma):
    _raises(ValueError, "gamma must be 'scale', 'auto' or a number > 0", lambda: models.iris_rbf_svm(gamma=gamma))


@pytest.mark.parametrize("measure", ["fgsm", "accuracy_under_attack", "smallest_fgsm", "fools_along_rays"])
def test_integer_codes_for_a_string_labelled_model_are_named(iris_model, iris_xy, measure):
    X = iris_xy[0][:3]
    codes = np.array([0, 1, 2])
    calls = {
        "fgsm": lambda: attacks.fgsm(iris_model, X, codes, 0.1, clip=None),
        "accuracy_under_attack": lambda: attacks.accuracy_under_attack({"lr": iris_model}, X, codes, [0.1], clip=None),
        "smallest_fgsm": lambda: attacks.smallest_fgsm(iris_model, X, codes, [0.1], clip=None),
        "fools_along_rays": lambda: attacks.fools_along_rays(iris_model, X, codes, [1.0]),
    }
    _raises(ValueError, r"y holds integer codes but the model's classes are labels.*model.classes_\[y\]",
            calls[measure])


# --- Valid but unusual: works, without warnings -----------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda model, X, y: attacks.fgsm(model, X.iloc[:5], y[:5], 0.1, clip=None),
        lambda model, X, y: attacks.pgd(model, X.iloc[:5], y[:5], 0.1, clip=None),
        lambda model, X, y: attacks.deepfool(model, X.iloc[:5]),
        lambda model, X, y: attacks.minimal_perturbation_linear(model, X.iloc[:5]),
        lambda model, X, y: attacks.minimal_linf_perturbation_linear(model, X.iloc[:5]),
        lambda model, X, y: attacks.one_pixel_flips_linear(model, X.iloc[:5], clip=(0, 10)),
        lambda model, X, y: attacks.fools_along_rays(model, X, y, [1.0]),
        lambda model, X, y: attacks.accuracy_under_attack({"lr": model}, X, y, [0.1], clip=None),
        lambda model, X, y: attacks.smallest_fgsm(model, X, y, [0.1, 1.0], clip=None),
        lambda model, X, y: grids.probability_grid(model, (0, 7), (0, 3), 5),
        lambda model, X, y: grids.probability_along_ray(model, [1, 1], [1, 0], [0, 1]),
        lambda model, X, y: grids.max_probability_beyond(model, X, [1.0], ((0, 7), (0, 3)), 20),
    ],
    ids=["fgsm", "pgd", "deepfool", "minimal_perturbation_linear", "minimal_linf_perturbation_linear",
         "one_pixel_flips_linear", "fools_along_rays", "accuracy_under_attack", "smallest_fgsm",
         "probability_grid", "probability_along_ray", "max_probability_beyond"],
)
def test_a_model_fitted_on_a_dataframe_gives_no_feature_name_warning(iris_frame_model, call):
    X, y, model = iris_frame_model
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call(model, X, y)


def test_float32_and_one_row_work_like_float64(mnist):
    X, y, model = mnist
    one = attacks.fgsm(model, X[:1].astype(np.float32), y[:1], 0.1)
    np.testing.assert_allclose(one, attacks.fgsm(model, X[:5], y[:5], 0.1)[:1], atol=1e-6)
    assert attacks.smallest_fgsm(model, X[:1], y[:1], [0.05, 0.3]).eps.shape == (1,)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: plotting.plot_digit([["a"] * 784]), "image"),
        (lambda: plotting.plot_observations([["a", "b"]], ["x"]), "X"),
        (lambda: plotting.plot_norm_agreement(["a"], ["b"]), "exact"),
        (lambda: plotting.plot_log_density_histograms({"fools": ["a"]}), "log_densities\\['fools'\\]"),
        (lambda: plotting.plot_pixel_ranges({"fools": [["a"]]}), "image_sets\\['fools'\\]"),
        (lambda: density.tail_probability(["a"], [1.0]), "log_density"),
    ],
    ids=["plot_digit", "plot_observations", "plot_norm_agreement", "plot_log_density_histograms",
         "plot_pixel_ranges", "tail_probability"],
)
def test_text_instead_of_numbers_is_named_everywhere(call, name):
    _raises(ValueError, f"{name} must hold numbers only", call)
