"""helpers.scorecard: the one evaluation, on small data; helpers.remedies' model builders."""

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from helpers import data, remedies, scorecard
from helpers.density import ClassConditionalDensity

SMALL_SEARCH = scorecard.FoolSearch(gradient_iterations=20, population=4, generations=5)


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 60)
    centres = np.array([[0.3] * 3 + [0.7] * 3, [0.7] * 3 + [0.3] * 3, [0.5] * 6])
    X = np.clip(centres[y] + rng.normal(scale=0.08, size=(180, 6)), 0, 1)
    return X, y


@pytest.fixture(scope="module")
def fitted(blobs):
    X, y = blobs
    return {
        "logistic regression": LogisticRegression().fit(X, y),
        "gated": remedies.DensityGatedClassifier(ClassConditionalDensity(n_components=2), 0.9).fit(X, y),
    }


def test_best_fools_gives_one_row_per_class(fitted):
    fools = scorecard.best_fools(fitted["logistic regression"], SMALL_SEARCH)
    assert list(fools.index) == [0, 1, 2]
    assert set(fools["search"]) <= {"gradient from blank", "gradient from noise", "evolution"}
    for target, row in fools.iterrows():
        proba = fitted["logistic regression"].predict_proba(row["image"][None])[0, target]
        assert row["confidence"] == pytest.approx(proba)


def test_best_fools_without_gradient_uses_evolution_only(blobs):
    X, y = blobs
    svm = CalibratedClassifierCV(SVC(), cv=3, ensemble=False).fit(X, y)
    assert set(scorecard.best_fools(svm, SMALL_SEARCH)["search"]) == {"evolution"}


def test_evaluate_models_has_every_column(fitted, blobs):
    X, y = blobs
    noise = np.random.default_rng(1).uniform(0, 1, size=(10, 6))
    table = scorecard.evaluate_models(fitted, X, y, {"far": X + 3}, noise, [1.0, 10.0],
                                      SMALL_SEARCH)
    assert list(table.index) == list(fitted)
    assert {"accuracy", "median alpha", "clipped share", "MMC test digits", "MMC far", "AUC far",
            "fooled: worst class", "fooled: mean"} == set(table.columns)
    # The gated classifier rejects every far point: it is uniform there.
    assert table.loc["gated", "MMC far"] == pytest.approx(1 / 3)
    without = scorecard.evaluate_models(fitted, X, y, {}, noise, [1.0], search=None)
    assert "fooled: mean" not in without.columns


def test_near_data_detection_reports_each_eps(fitted, blobs):
    X, y = blobs
    net = MLPClassifier((8,), max_iter=3000, random_state=0).fit(X, y)
    correct = net.predict(X) == y
    near = scorecard.near_data_detection(net, fitted["gated"], X[correct][:30], y[correct][:30], X,
                                         eps=[0.0, 0.3])
    assert list(near.index) == [0.0, 0.3]
    assert near.loc[0.0, "fooled"] == 0 and np.isnan(near.loc[0.0, "detector AUC"])
    assert 0 < near.loc[0.3, "fooled"] <= 1


def test_fgsm_mistakes_counts_errors_and_their_confidence(fitted, blobs):
    X, y = blobs
    model = fitted["logistic regression"]
    none = scorecard.fgsm_mistakes(model, X, y, 0.0)
    assert none["error"] == pytest.approx(np.mean(model.predict(X) != y))
    big = scorecard.fgsm_mistakes(model, X, y, 0.5)
    assert big["error"] > none["error"] and 1 / 3 <= big["confidence on mistakes"] <= 1
    assert big["rejected"] == 0
    transferred = scorecard.fgsm_mistakes(fitted["gated"], X, y, 0.5, source=model)
    assert transferred["gradient of"] == "transferred"
    # Far outside the box's data the gated model rejects: no mistakes, every image rejected.
    assert transferred["rejected"] > 0.5
    assert transferred["error"] <= 1 - transferred["rejected"] + 1e-12


def test_fit_remedy_models_fits_the_eight_models():
    X_all, y_all = data.load_mnist_digits(digits=(0, 1, 2, 3))
    X_train, X, y_train, _ = data.split_digits(X_all, y_all, test_size=0.5, random_state=0)
    models = scorecard.fit_remedy_models(X_train[:400], y_train[:400], random_state=0)
    assert list(models) == ["logistic regression", "identity network", "tanh network",
                            "ReLU network", "RBF SVM", "RBF SVM on layer 3", "density-gated",
                            "Meinke-Hein (ReLU)"]
    for model in models.values():
        np.testing.assert_allclose(model.predict_proba(X[:10]).sum(axis=1), 1.0)
    # The remedies reuse the fitted networks instead of training new ones.
    assert models["Meinke-Hein (ReLU)"].classifier_.estimator is models["ReLU network"]
    assert models["RBF SVM on layer 3"].network_ is models["identity network"]


def test_fit_networks_rejects_an_unknown_name():
    with pytest.raises(ValueError, match="unknown model name"):
        scorecard.fit_networks(np.zeros((4, 784)), [0, 1, 2, 3], names=["ResNet"])
