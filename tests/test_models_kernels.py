"""Calibrated SVM configurations and the digit density configuration."""

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.svm import SVC

from helpers import density, models


@pytest.mark.parametrize(
    "make", [models.iris_linear_svm, models.iris_rbf_svm, models.hidden_rbf_svm]
)
def test_svms_use_the_recommended_replacement_of_probability_true(make):
    model = make()
    assert isinstance(model, CalibratedClassifierCV)
    assert model.ensemble is False and model.method == "sigmoid" and model.cv == 5


def test_iris_kernels_and_gamma():
    assert models.iris_linear_svm().estimator.kernel == "linear"
    assert models.iris_rbf_svm().estimator.get_params()["gamma"] == "auto"
    assert models.iris_rbf_svm(gamma="scale").estimator.gamma == "scale"
    assert models.hidden_rbf_svm().estimator[-1].kernel == "rbf"


def test_iris_rbf_svm_accuracies_for_both_gammas(iris_xy):
    X, y = iris_xy
    assert np.sum(models.iris_rbf_svm("auto").fit(X, y).predict(X) == y) == 145
    assert np.sum(models.iris_rbf_svm("scale").fit(X, y).predict(X) == y) == 143


def test_calibrated_probabilities_and_the_inner_svm(iris_xy):
    X, y = iris_xy
    model = models.iris_linear_svm().fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    inner = models.fitted_svm(model)
    assert inner is model.calibrated_classifiers_[0].estimator
    assert isinstance(inner, SVC) and inner.n_support_.sum() > 0
    # fitted on all the data: the same SVM as fitting an SVC directly
    np.testing.assert_allclose(inner.decision_function(X),
                               SVC(kernel="linear").fit(X, y).decision_function(X), rtol=1e-9)


def test_fitted_svm_names_what_is_wrong(iris_xy):
    X, y = iris_xy
    with pytest.raises(NotFittedError, match="not fitted yet: call model.fit"):
        models.fitted_svm(models.iris_linear_svm())


def test_fitted_svm_refuses_a_model_that_is_not_a_calibrated_svc(iris_xy):
    X, y = iris_xy
    with pytest.raises(TypeError, match="expected a CalibratedClassifierCV around an SVC"):
        models.fitted_svm(SVC().fit(X, y))


def test_fitted_svm_refuses_one_svc_per_fold(iris_xy):
    X, y = iris_xy
    per_fold = CalibratedClassifierCV(SVC(), cv=3, ensemble=True).fit(X, y)
    with pytest.raises(TypeError, match="one SVC per cross-validation fold"):
        models.fitted_svm(per_fold)


def test_hidden_rbf_svm_standardises_then_fits_an_rbf_svm():
    rng = np.random.default_rng(0)
    y = np.arange(120) % 3
    centres = np.array([[0.0, 0.0], [40.0, 0.0], [0.0, 40.0]])
    H = centres[y] + rng.normal(scale=[5.0, 1.0], size=(120, 2))
    model = models.hidden_rbf_svm().fit(H, y)
    assert model.score(H, y) == 1.0
    proba = model.predict_proba(H)
    assert proba.shape == (120, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    scaler, svm = model.calibrated_classifiers_[0].estimator
    np.testing.assert_allclose(scaler.mean_, H.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaler.scale_, H.std(axis=0), rtol=1e-12)
    assert svm.kernel == "rbf" and svm._gamma == pytest.approx(0.5)


def test_rbf_svm_is_constant_far_from_the_data(iris_xy):
    X, y = iris_xy
    model = models.iris_rbf_svm().fit(X, y)
    far = model.predict_proba(np.array([[1e3, 0.0], [-1e4, 1e4]]))
    np.testing.assert_allclose(far[0], far[1], atol=1e-12)


def test_mnist_digit_density_configuration():
    model = models.mnist_digit_density()
    assert isinstance(model, density.ClassConditionalDensity)
    assert model.n_components == 30 and model.n_mixture_components == 1
    assert model.random_state == 0


@pytest.mark.parametrize("kernel", models.POST_SVM_KERNELS)
def test_post_svm_fits_without_a_warning_and_gives_probabilities(iris_xy, kernel):
    X, y = iris_xy
    svm = models.fit_post_svm(X, y, kernel=kernel)  # filterwarnings=error: any warning fails
    assert svm.probability and svm.kernel == kernel
    proba = svm.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.mean(svm.predict(X) == y) > 0.95


def test_post_rbf_svm_is_pale_far_from_the_flowers(iris_xy):
    """The post's Figure 19: with libsvm's pairwise coupling the far field stays near 1/2."""
    X, y = iris_xy
    far = models.fit_post_svm(X, y, kernel="rbf", gamma="auto").predict_proba([[1e3, 0.0]])
    assert far.max() < 0.6


def test_post_svm_refuses_another_kernel(iris_xy):
    X, y = iris_xy
    with pytest.raises(ValueError, match="kernel must be one of"):
        models.fit_post_svm(X, y, kernel="poly")
