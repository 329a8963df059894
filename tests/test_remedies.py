"""helpers.remedies: the Meinke-Hein classifier, the density-gated classifier, the RBF SVM head."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from helpers import remedies
from helpers.density import ClassConditionalDensity


@pytest.fixture(scope="module")
def meinke_hein(blobs):
    X, y = blobs
    return remedies.MeinkeHeinClassifier(LogisticRegression(), n_in_components=3).fit(X, y)


def test_meinke_hein_probabilities_sum_to_one(meinke_hein, blobs):
    X, _ = blobs
    rng = np.random.default_rng(1)
    inputs = np.vstack([X, rng.uniform(-5, 5, size=(50, 6))])
    proba = meinke_hein.predict_proba(inputs)
    assert proba.shape == (len(inputs), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


def test_meinke_hein_confidence_tends_to_one_over_k_far_away(meinke_hein):
    rng = np.random.default_rng(2)
    directions = rng.normal(size=(20, 6))
    confidence = [meinke_hein.predict_proba(alpha * directions).max(axis=1) for alpha in (1e2, 1e4)]
    # The classifier alone is sure out there; the combination falls to 1/3.
    assert meinke_hein.classifier_.predict_proba(1e2 * directions).max(axis=1).min() > 0.99
    np.testing.assert_allclose(confidence[1], 1 / 3, atol=1e-9)
    assert np.all(confidence[0] - 1 / 3 < 1e-3)


def test_meinke_hein_is_the_mixture_of_its_formula(meinke_hein, blobs):
    X, _ = blobs
    x = X[:5] + 0.1
    in_term = np.exp(meinke_hein.in_density_.score_samples(x)) * 0.5
    out_term = np.exp(meinke_hein.out_density_.score_samples(x)) * 0.5
    inside = meinke_hein.classifier_.predict_proba(x)
    expected = (inside * in_term[:, None] + out_term[:, None] / 3) / (in_term + out_term)[:, None]
    np.testing.assert_allclose(meinke_hein.predict_proba(x), expected, rtol=1e-9)


def test_meinke_hein_keeps_the_classifier_on_the_data(meinke_hein, blobs):
    X, y = blobs
    assert np.median(meinke_hein.in_probability(X)) > 0.99
    # p(y | x) = w q(y | x) + (1 - w) / K with w > 0 ranks the classes as q does.
    np.testing.assert_array_equal(meinke_hein.predict(X), meinke_hein.classifier_.predict(X))


def test_meinke_hein_is_clonable_and_uses_given_out_inputs(blobs):
    X, y = blobs
    model = remedies.MeinkeHeinClassifier(LogisticRegression(), n_in_components=2, p_in=0.3)
    copy = clone(model)
    assert copy.get_params()["p_in"] == 0.3 and copy.get_params()["n_in_components"] == 2
    X_out = np.random.default_rng(3).uniform(-1, 2, size=(100, 6))
    copy.fit(X, y, X_out=X_out)
    np.testing.assert_allclose(copy.out_density_.means_[0], X_out.mean(axis=0))


def test_meinke_hein_frozen_classifier_is_not_refitted(blobs):
    X, y = blobs
    fitted = LogisticRegression().fit(X[:90], y[:90])
    model = remedies.MeinkeHeinClassifier(FrozenEstimator(fitted), n_in_components=2).fit(X, y)
    np.testing.assert_array_equal(model.classifier_.estimator.coef_, fitted.coef_)


def test_meinke_hein_rejects_a_narrow_out_density(blobs):
    X, y = blobs
    narrow = X.mean(axis=0) + np.random.default_rng(4).normal(scale=0.001, size=(100, 6))
    with pytest.raises(ValueError, match="not wider"):
        remedies.MeinkeHeinClassifier(LogisticRegression()).fit(X, y, X_out=narrow)


@pytest.mark.parametrize("p_in", [0, 1, 1.5, "half"])
def test_meinke_hein_rejects_a_bad_prior(blobs, p_in):
    X, y = blobs
    with pytest.raises(ValueError, match="p_in"):
        remedies.MeinkeHeinClassifier(LogisticRegression(), p_in=p_in).fit(X, y)


def test_meinke_hein_rejects_an_unchecked_covariance(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="covariance_type"):
        remedies.MeinkeHeinClassifier(LogisticRegression(), covariance_type="full").fit(X, y)


def test_meinke_hein_rejects_a_bad_component_count(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="n_in_components"):
        remedies.MeinkeHeinClassifier(LogisticRegression(), n_in_components=0).fit(X, y)


def test_meinke_hein_rejects_out_inputs_of_another_width(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="X_out has 5 features"):
        remedies.MeinkeHeinClassifier(LogisticRegression()).fit(X, y, X_out=np.zeros((10, 5)))


def test_meinke_hein_unfitted_raises():
    with pytest.raises(NotFittedError, match="not fitted"):
        remedies.MeinkeHeinClassifier(LogisticRegression()).predict_proba(np.zeros((1, 6)))


def test_out_density_dominates_needs_every_axis_wider():
    rng = np.random.default_rng(5)
    inner = GaussianMixture(covariance_type="diag").fit(rng.normal(scale=[1, 1], size=(500, 2)))
    wide = GaussianMixture(covariance_type="diag").fit(rng.normal(scale=[3, 3], size=(500, 2)))
    one_axis = GaussianMixture(covariance_type="diag").fit(rng.normal(scale=[3, 0.3], size=(500, 2)))
    assert remedies.out_density_dominates(inner, wide)
    assert not remedies.out_density_dominates(inner, one_axis)


@pytest.fixture(scope="module")
def gated(blobs):
    X, y = blobs
    return remedies.DensityGatedClassifier(ClassConditionalDensity(n_components=2), 0.9).fit(X, y)


def test_gated_classifier_is_uniform_where_it_rejects(gated, blobs):
    X, _ = blobs
    far = X[:5] + 3.0
    assert not gated.accepts(far).any()
    np.testing.assert_allclose(gated.predict_proba(far), 1 / 3)
    accepted = gated.accepts(X)
    assert 0.85 < accepted.mean() < 0.95
    np.testing.assert_allclose(gated.predict_proba(X[accepted]),
                               gated.density_.predict_proba(X[accepted]))
    np.testing.assert_allclose(gated.predict_proba(X).sum(axis=1), 1.0)


def test_gated_classifier_is_clonable(gated):
    assert clone(gated).get_params()["coverage"] == 0.9


@pytest.mark.parametrize("coverage", [0, 1, 2])
def test_gated_classifier_rejects_a_bad_coverage(blobs, coverage):
    X, y = blobs
    with pytest.raises(ValueError, match="coverage"):
        remedies.DensityGatedClassifier(coverage=coverage).fit(X, y)


def test_gated_classifier_rejects_another_density(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match="ClassConditionalDensity"):
        remedies.DensityGatedClassifier(GaussianMixture()).fit(X, y)


@pytest.fixture(scope="module")
def small_network():
    return MLPClassifier((8, 2), learning_rate_init=0.01, tol=1e-2, max_iter=2000, random_state=0)


def test_hidden_layer_rbf_reads_the_hidden_layer(blobs, small_network):
    X, y = blobs
    model = remedies.HiddenLayerRBFClassifier(small_network, layer=2).fit(X, y)
    assert model.head_.n_features_in_ == 2
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)
    assert clone(model).get_params()["layer"] == 2


@pytest.mark.parametrize("layer", [0, 3])
def test_hidden_layer_rbf_rejects_a_layer_that_is_not_hidden(blobs, small_network, layer):
    X, y = blobs
    with pytest.raises(ValueError, match="not a hidden layer"):
        remedies.HiddenLayerRBFClassifier(small_network, layer=layer).fit(X, y)


def test_hidden_layer_rbf_rejects_another_model(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match="MLPClassifier"):
        remedies.HiddenLayerRBFClassifier(LogisticRegression()).fit(X, y)


# --- Bad input: a clear error naming the problem and the fix ----------------------------------


def _unfitted(name):
    return {
        "MeinkeHeinClassifier": remedies.MeinkeHeinClassifier(LogisticRegression()),
        "DensityGatedClassifier": remedies.DensityGatedClassifier(),
        "HiddenLayerRBFClassifier": remedies.HiddenLayerRBFClassifier(MLPClassifier()),
    }[name]


REMEDIES = ["MeinkeHeinClassifier", "DensityGatedClassifier", "HiddenLayerRBFClassifier"]


@pytest.mark.parametrize("name", REMEDIES)
def test_predict_on_an_unfitted_remedy_says_not_fitted(blobs, name):
    with pytest.raises(NotFittedError, match=rf"\({name}\) is not fitted yet: call model.fit"):
        _unfitted(name).predict(blobs[0])


def test_accepts_on_an_unfitted_gated_classifier_says_not_fitted(blobs):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        remedies.DensityGatedClassifier().accepts(blobs[0])


def _small(name, small_network):
    return {
        "MeinkeHeinClassifier": remedies.MeinkeHeinClassifier(LogisticRegression(),
                                                              n_in_components=3),
        "DensityGatedClassifier": remedies.DensityGatedClassifier(
            ClassConditionalDensity(n_components=2)),
        "HiddenLayerRBFClassifier": remedies.HiddenLayerRBFClassifier(small_network, layer=2),
    }[name]


@pytest.mark.parametrize("name", REMEDIES)
def test_fit_refuses_y_one_row_short(blobs, small_network, name):
    X, y = blobs
    with pytest.raises(ValueError, match=r"y must have shape \(180,\), one label per row of X; "
                                         r"got shape \(179,\)"):
        _small(name, small_network).fit(X, y[:-1])


@pytest.mark.parametrize("name", REMEDIES)
def test_fit_refuses_nan_in_x(blobs, small_network, name):
    X, y = blobs
    X = X.copy()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite value.*drop or impute"):
        _small(name, small_network).fit(X, y)


def test_hidden_layer_rbf_takes_y_as_a_column_like_scikit_learn(blobs, small_network):
    X, y = blobs
    flat = remedies.HiddenLayerRBFClassifier(small_network, layer=2).fit(X, y)
    with pytest.warns(DataConversionWarning, match="column-vector y was passed"):
        column = remedies.HiddenLayerRBFClassifier(small_network, layer=2).fit(X, y[:, None])
    np.testing.assert_array_equal(column.predict_proba(X), flat.predict_proba(X))


def test_hidden_layer_rbf_needs_five_rows_per_class_for_its_calibration(blobs, small_network):
    X, y = blobs
    keep = np.r_[0:3, 60:180]  # three rows of class 0
    with pytest.raises(ValueError, match="class 0 has 3 row.*5-fold cross-validation"):
        remedies.HiddenLayerRBFClassifier(small_network, layer=2).fit(X[keep], y[keep])


def test_predict_refuses_another_number_of_features(meinke_hein, blobs):
    with pytest.raises(ValueError, match="X has 5 features, but MeinkeHeinClassifier is expecting "
                                         "6 features as input"):
        meinke_hein.predict(blobs[0][:, :5])


def test_meinke_hein_refuses_a_classifier_without_probabilities(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match=r"class probabilities \(predict_proba\).*got SVC.*"
                                        r"CalibratedClassifierCV"):
        remedies.MeinkeHeinClassifier(SVC()).fit(X, y)


def test_meinke_hein_refuses_a_seed_that_is_not_a_whole_number(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="random_state must be a whole number >= 0"):
        remedies.MeinkeHeinClassifier(LogisticRegression(), random_state="a").fit(X, y)


def test_out_density_dominates_refuses_an_unfitted_mixture():
    with pytest.raises(NotFittedError, match="in_density .* not fitted"):
        remedies.out_density_dominates(GaussianMixture(), GaussianMixture())


def test_out_density_dominates_refuses_full_covariances(blobs):
    full = GaussianMixture(covariance_type="full").fit(blobs[0])
    with pytest.raises(ValueError, match="covariance_type='full'.*spherical"):
        remedies.out_density_dominates(full, full)


def test_out_density_dominates_refuses_mixtures_of_other_widths(blobs):
    X = blobs[0]
    wide = GaussianMixture(covariance_type="diag").fit(X)
    narrow = GaussianMixture(covariance_type="diag").fit(X[:, :3])
    with pytest.raises(ValueError, match="in_density has 6 features but out_density 3"):
        remedies.out_density_dominates(wide, narrow)
