"""helpers.density: class-conditional density, thresholds, rejection, outlier AUC."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.exceptions import NotFittedError

from helpers import density


@pytest.fixture(scope="module")
def blobs():
    """Three classes of 8-D points around three different centres."""
    rng = np.random.default_rng(0)
    centres = np.array([[3.0] * 4 + [0.0] * 4, [0.0] * 4 + [3.0] * 4, [-3.0] * 8])
    y = np.repeat([0, 1, 2], [60, 40, 50])
    X = centres[y] + rng.normal(scale=0.5, size=(len(y), 8))
    return X, y


@pytest.fixture(scope="module")
def fitted(blobs):
    X, y = blobs
    return density.ClassConditionalDensity(n_components=3, random_state=0).fit(X, y)


def test_fit_records_classes_and_priors(fitted):
    np.testing.assert_array_equal(fitted.classes_, [0, 1, 2])
    np.testing.assert_allclose(fitted.class_prior_, [60 / 150, 40 / 150, 50 / 150])
    assert len(fitted.mixtures_) == 3 and fitted.n_features_in_ == 8
    assert fitted.noise_variance_ > 0


def test_class_log_density_is_subspace_gaussian_plus_isotropic_residual(fitted, blobs):
    X, _ = blobs
    Z = fitted.pca_.transform(X[:5])
    residual = X[:5] - fitted.pca_.inverse_transform(Z)
    mixture = fitted.mixtures_[1]
    subspace = multivariate_normal(mixture.means_[0], mixture.covariances_[0]).logpdf(Z)
    n_left_out = 8 - 3
    residual_term = -0.5 * (
        np.sum(residual**2, axis=1) / fitted.noise_variance_
        + n_left_out * np.log(2 * np.pi * fitted.noise_variance_)
    )
    np.testing.assert_allclose(
        fitted.class_log_density(X[:5])[:, 1], subspace + residual_term, rtol=1e-10
    )


def test_score_samples_and_posterior_follow_bayes_rule(fitted, blobs):
    X, _ = blobs
    joint = fitted.class_log_density(X) + np.log(fitted.class_prior_)
    np.testing.assert_allclose(fitted.score_samples(X), logsumexp(joint, axis=1), rtol=1e-12)
    proba = fitted.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.log(proba), joint - logsumexp(joint, axis=1, keepdims=True),
                               atol=1e-9)


def test_well_separated_classes_are_classified_perfectly(fitted, blobs):
    X, y = blobs
    assert fitted.score(X, y) == 1.0


def test_far_points_are_less_probable_than_the_data(fitted, blobs):
    X, _ = blobs
    far = X[:10] + 50.0
    assert fitted.score_samples(far).max() < fitted.score_samples(X).min()


def test_fit_is_deterministic_with_a_seed(blobs):
    X, y = blobs
    a = density.ClassConditionalDensity(n_components=3, n_mixture_components=2).fit(X, y)
    b = density.ClassConditionalDensity(n_components=3, n_mixture_components=2).fit(X, y)
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))


def test_unfitted_model_is_refused(blobs):
    X, _ = blobs
    with pytest.raises(NotFittedError, match="fit"):
        density.ClassConditionalDensity().score_samples(X)


def test_wrong_number_of_features_is_refused(fitted):
    with pytest.raises(ValueError, match="8 are expected"):
        fitted.score_samples(np.zeros((2, 5)))


def test_nan_input_is_refused(fitted, blobs):
    X, y = blobs
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.score_samples(bad)
    with pytest.raises(ValueError, match="NaN"):
        density.ClassConditionalDensity(n_components=3).fit(bad, y)


def test_one_dimensional_input_is_refused(fitted):
    with pytest.raises(ValueError, match="2-D"):
        fitted.predict(np.zeros(8))


def test_labels_must_match_rows(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="one label per row"):
        density.ClassConditionalDensity(n_components=3).fit(X, y[:-1])


def test_a_single_class_is_refused(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="at least two"):
        density.ClassConditionalDensity(n_components=3).fit(X, np.zeros(len(X)))


def test_too_many_components_are_refused(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="n_components=8"):
        density.ClassConditionalDensity(n_components=8).fit(X, y)


def test_too_small_a_class_is_refused(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="too few"):
        density.ClassConditionalDensity(n_components=3, n_mixture_components=45).fit(X, y)


def test_low_density_threshold_flags_the_chosen_share(fitted, blobs):
    X, _ = blobs
    threshold = density.low_density_threshold(fitted, X, quantile=0.1)
    assert np.mean(fitted.score_samples(X) < threshold) == pytest.approx(0.1, abs=1 / len(X))
    with pytest.raises(ValueError, match="quantile"):
        density.low_density_threshold(fitted, X, quantile=1.0)


def test_typical_range_holds_the_chosen_share(fitted, blobs):
    X, _ = blobs
    low, high = density.typical_range(fitted, X, coverage=0.8)
    inside = (fitted.score_samples(X) >= low) & (fitted.score_samples(X) <= high)
    assert low < high
    assert np.mean(inside) == pytest.approx(0.8, abs=2 / len(X))
    with pytest.raises(ValueError, match="coverage"):
        density.typical_range(fitted, X, coverage=0)


def test_predict_or_reject_with_a_threshold_and_with_a_range(fitted, blobs):
    X, _ = blobs
    log_density = fitted.score_samples(X)
    threshold = float(np.median(log_density))
    answers = density.predict_or_reject(fitted, X, threshold)
    np.testing.assert_array_equal(answers == -1, log_density < threshold)
    np.testing.assert_array_equal(answers[answers != -1], fitted.predict(X)[answers != -1])
    low, high = np.quantile(log_density, [0.25, 0.75])
    answers = density.predict_or_reject(fitted, X, (low, high), reject_label=9)
    np.testing.assert_array_equal(answers == 9, (log_density < low) | (log_density > high))


def test_predict_or_reject_errors(fitted, blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="one of the classes"):
        density.predict_or_reject(fitted, X, 0.0, reject_label=1)
    with pytest.raises(ValueError, match="finite"):
        density.predict_or_reject(fitted, X, np.nan)
    with pytest.raises(ValueError, match="Swap"):
        density.predict_or_reject(fitted, X, (5.0, 1.0))
    with pytest.raises(NotFittedError):
        density.predict_or_reject(density.ClassConditionalDensity(), X, 0.0)


def test_outlier_auc_is_one_for_separated_scores_and_half_for_identical():
    assert density.outlier_auc([5.0, 6.0, 7.0], [1.0, 2.0]) == 1.0
    assert density.outlier_auc([1.0, 2.0], [5.0, 6.0]) == 0.0
    assert density.outlier_auc([3.0, 3.0], [3.0]) == 0.5


def test_outlier_auc_errors():
    with pytest.raises(ValueError, match="NaN"):
        density.outlier_auc([1.0, np.nan], [0.0])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        density.outlier_auc([], [0.0])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        density.outlier_auc([1.0], [[0.0]])


def test_tail_probability_is_two_sided():
    reference = np.arange(1.0, 11.0)  # 1, 2, ..., 10
    np.testing.assert_allclose(
        density.tail_probability([0.0, 1.0, 5.0, 5.5, 10.0, 99.0], reference),
        [0.0, 0.1, 0.5, 0.5, 0.1, 0.0],
    )


def test_tail_probability_below_half_the_gap_matches_the_typical_range(fitted, blobs):
    X, _ = blobs
    reference = fitted.score_samples(X)
    low, high = density.typical_range(fitted, X, coverage=0.8)
    probe = fitted.score_samples(X + np.random.default_rng(1).normal(scale=0.3, size=X.shape))
    outside = (probe < low) | (probe > high)
    atypical = density.tail_probability(probe, reference) < 0.1
    assert np.mean(outside == atypical) > 0.95  # the two differ only next to the quantiles


def test_tail_probability_errors():
    with pytest.raises(ValueError, match="NaN"):
        density.tail_probability([np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="reference_log_density"):
        density.tail_probability([1.0], [])
