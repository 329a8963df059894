"""helpers.scorecard: the one evaluation, on small data; helpers.remedies' model builders."""

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from helpers import attacks, data, models, remedies, scorecard
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


def test_best_fools_stops_once_a_search_settles_the_class(fitted, monkeypatch):
    # From blank, the gradient search reaches 0.99 for classes 0 and 1 of the logistic
    # regression; for class 2 (the middle blob) it stops on its plateau, which is the maximum
    # of a concave log-probability: no class goes on to the evolution.
    evolved = []
    evolve = scorecard.attacks.evolve_fool_image

    def counting(model, target, **options):
        evolved.append(target)
        return evolve(model, target, **options)

    monkeypatch.setattr(scorecard.attacks, "evolve_fool_image", counting)
    fools = scorecard.best_fools(fitted["logistic regression"], SMALL_SEARCH)
    assert (fools.loc[[0, 1], "confidence"] >= SMALL_SEARCH.confidence).all()
    assert list(fools.loc[[0, 1], "search"]) == ["gradient from blank"] * 2
    assert fools.loc[2, "confidence"] < SMALL_SEARCH.confidence
    assert list(fools["status"]) == ["reached", "reached", "maximum"]
    assert evolved == []


def test_best_fools_without_gradient_uses_evolution_only(blobs):
    X, y = blobs
    svm = CalibratedClassifierCV(SVC(), cv=3, ensemble=False).fit(X, y)
    searches = scorecard.best_fools(svm, SMALL_SEARCH)["search"]
    assert all(name.startswith("evolution") for name in searches), list(searches)


def test_evaluate_models_has_every_column(fitted, blobs):
    X, y = blobs
    rng = np.random.default_rng(1)
    noise = rng.uniform(0, 1, size=(10, 6))
    corners = rng.integers(0, 2, size=(20, 6)).astype(float)  # corners of the pixel box
    table = scorecard.evaluate_models(fitted, X, y, {"far": corners}, noise, [1.0, 10.0],
                                      SMALL_SEARCH)
    assert list(table.index) == list(fitted)
    assert {"accuracy", "median alpha", "clipped share", "MMC test digits", "MMC far", "AUC far",
            "fooled: worst class", "fooled: mean", "fooled: search failed"} == set(table.columns)
    # every class settled: reached, or the maximum of the logistic regression's middle class
    assert table.loc["logistic regression", "fooled: search failed"] == 0
    # The gated classifier rejects every far point: it is uniform there.
    assert table.loc["gated", "MMC far"] == pytest.approx(1 / 3)
    without = scorecard.evaluate_models(fitted, X, y, {}, noise, [1.0], search=None)
    assert "fooled: mean" not in without.columns


@pytest.fixture(scope="module")
def small_net(blobs):
    X, y = blobs
    return MLPClassifier((8,), max_iter=3000, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def near(small_net, fitted, blobs):
    X, y = blobs
    correct = small_net.predict(X) == y
    return scorecard.near_data_detection(small_net, fitted["gated"], X[correct][:30],
                                         y[correct][:30], X, eps=[0.0, 0.3])


def test_near_data_detection_reports_deepfool_and_each_eps(near):
    assert list(near.index) == ["DeepFool", "PGD, eps=0", "PGD, eps=0.3"]
    assert near.loc["PGD, eps=0", "fooled"] == 0
    assert near.loc["PGD, eps=0"].drop("fooled").isna().all()
    assert 0 < near.loc["PGD, eps=0.3", "fooled"] <= 1
    assert near.loc["PGD, eps=0.3", "median Linf"] <= 0.3 + 1e-12
    for column in ["detector AUC", "accepted"]:
        assert 0 <= near.loc["PGD, eps=0.3", column] <= 1


def test_near_data_detection_deepfool_row_is_deepfool_in_the_box(near, small_net, blobs):
    X, y = blobs
    correct = small_net.predict(X) == y
    found = attacks.deepfool(small_net, X[correct][:30], clip=(0.0, 1.0))
    assert near.loc["DeepFool", "fooled"] == pytest.approx(found.flipped.mean())
    assert near.loc["DeepFool", "median L2"] == pytest.approx(np.median(found.norm[found.flipped]))
    # DeepFool looks for the nearest border: a smaller change than PGD's 0.3 in every pixel.
    assert near.loc["DeepFool", "median L2"] < near.loc["PGD, eps=0.3", "median L2"]


def test_near_data_detection_sees_changes_far_from_the_data(small_net, fitted, blobs):
    # Digits moved to a corner of the box leave the detector's typical range: AUC near 1.
    X, y = blobs
    correct = small_net.predict(X) == y
    far = scorecard.near_data_detection(small_net, fitted["gated"], X[correct][:30],
                                        y[correct][:30], X, eps=[1.0], n_steps=40)
    assert far.loc["PGD, eps=1", "detector AUC"] > 0.9
    assert far.loc["PGD, eps=1", "accepted"] < 0.5


def test_near_data_detection_rejects_a_detector_without_density(small_net, fitted, blobs):
    X, y = blobs
    with pytest.raises(TypeError, match="DensityGatedClassifier"):
        scorecard.near_data_detection(small_net, fitted["logistic regression"], X[:5], y[:5], X,
                                      eps=[0.1])


def test_near_data_detection_rejects_an_unfitted_detector(small_net, blobs):
    X, y = blobs
    with pytest.raises(NotFittedError, match="detector"):
        scorecard.near_data_detection(small_net, remedies.DensityGatedClassifier(), X[:5], y[:5],
                                      X, eps=[0.1])


@pytest.mark.parametrize("eps", [[], [-0.1]])
def test_near_data_detection_rejects_a_bad_eps(small_net, fitted, blobs, eps):
    X, y = blobs
    with pytest.raises(ValueError, match="eps"):
        scorecard.near_data_detection(small_net, fitted["gated"], X[:5], y[:5], X, eps=eps)


def test_near_data_detection_rejects_reference_digits_of_another_width(small_net, fitted, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="X_reference"):
        scorecard.near_data_detection(small_net, fitted["gated"], X[:5], y[:5], X[:, :3],
                                      eps=[0.1])


def test_near_data_detection_rejects_labels_that_do_not_match(small_net, fitted, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="one label per row"):
        scorecard.near_data_detection(small_net, fitted["gated"], X[:5], y[:4], X, eps=[0.1])


def test_near_data_detection_rejects_digits_outside_the_box(small_net, fitted, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="clip"):
        scorecard.near_data_detection(small_net, fitted["gated"], X[:5] + 2, y[:5], X, eps=[0.1])


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
    fitted = scorecard.fit_remedy_models(X_train[:400], y_train[:400], random_state=0)
    assert list(fitted) == ["logistic regression", "identity network", "tanh network",
                            "ReLU network", "RBF SVM", "RBF SVM on layer 3", "density-gated",
                            "Meinke-Hein (ReLU)"]
    for model in fitted.values():
        np.testing.assert_allclose(model.predict_proba(X[:10]).sum(axis=1), 1.0)
    # The remedies reuse the fitted networks instead of training new ones.
    assert fitted["Meinke-Hein (ReLU)"].classifier_.estimator is fitted["ReLU network"]
    assert fitted["RBF SVM on layer 3"].network_ is fitted["identity network"]


def test_fit_networks_uses_the_series_standard_network():
    # The ReLU network the remedies notebook measures is the series' standard network
    # (helpers.models, seeded), not the post's bottleneck shape.
    X, y = data.load_mnist_digits(digits=(0, 1))
    relu = scorecard.fit_networks(X[::3][:300], y[::3][:300], random_state=3,
                                  names=["ReLU network"])["ReLU network"]
    assert relu.get_params() == models.mnist_standard_network(3).get_params()


def test_fit_networks_through_the_cache_gives_the_same_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("PITY_FIT_CACHE", str(tmp_path))
    X, y = data.load_mnist_digits(digits=(0, 1))
    X, y = X[::3], y[::3]  # both classes
    assert len(set(y[:300])) == 2
    names = ["logistic regression", "ReLU network"]
    fresh = scorecard.fit_networks(X[:300], y[:300], random_state=3, names=names)
    stored = scorecard.fit_networks(X[:300], y[:300], random_state=3, names=names, cache=True)
    loaded = scorecard.fit_networks(X[:300], y[:300], random_state=3, names=names, cache=True)
    assert len(list(tmp_path.iterdir())) == 2  # one stored fit per model
    for model in (stored, loaded):
        np.testing.assert_array_equal(model["logistic regression"].coef_,
                                      fresh["logistic regression"].coef_)
        for W, W_fresh in zip(model["ReLU network"].coefs_, fresh["ReLU network"].coefs_):
            np.testing.assert_array_equal(W, W_fresh)


def test_fit_networks_rejects_an_unknown_name():
    with pytest.raises(ValueError, match="unknown model name"):
        scorecard.fit_networks(np.zeros((4, 784)), [0, 1, 2, 3], names=["ResNet"])


# --- Bad input: a clear error naming the problem and the fix ----------------------------------


def test_fgsm_mistakes_refuses_0_255_pixels(fitted, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"outside clip=\(0, 1\) \(0-255 pixels\? divide them by "
                                         r"255, and give eps on that scale\)"):
        scorecard.fgsm_mistakes(fitted["logistic regression"], np.round(X * 255), y, 25.0)


def test_fgsm_mistakes_refuses_a_negative_eps(fitted, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="eps must be a finite number >= 0; got -0.1"):
        scorecard.fgsm_mistakes(fitted["logistic regression"], X, y, -0.1)


def test_fgsm_mistakes_refuses_labels_one_row_short(fitted, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"y must have shape \(180,\), one label per row of X"):
        scorecard.fgsm_mistakes(fitted["logistic regression"], X, y[:-1], 0.1)


def test_evaluate_models_refuses_no_models(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="fitted is empty; pass at least one model"):
        scorecard.evaluate_models({}, X, y, {}, X[:5], [1.0], search=None)


def test_evaluate_models_refuses_a_model_instead_of_a_dict(fitted, blobs):
    X, y = blobs
    with pytest.raises(TypeError, match=r"fitted must be a dict.*\{'LogisticRegression': model\}"):
        scorecard.evaluate_models(fitted["logistic regression"], X, y, {}, X[:5], [1.0],
                                  search=None)


def test_evaluate_models_refuses_labels_one_row_short(fitted, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"y_test must have shape \(180,\), one label per row"):
        scorecard.evaluate_models(fitted, X, y[:-1], {}, X[:5], [1.0], search=None)


def test_evaluate_models_refuses_nan_in_the_test_digits(fitted, blobs):
    X, y = blobs
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="X_test contains 1 NaN or infinite value"):
        scorecard.evaluate_models(fitted, X, y, {}, X[1:5], [1.0], search=None)


def test_evaluate_models_refuses_an_unfitted_model(fitted, blobs):
    X, y = blobs
    with pytest.raises(NotFittedError, match=r"fitted\['new'\] \(LogisticRegression\) is not "
                                             "fitted yet"):
        scorecard.evaluate_models({**fitted, "new": LogisticRegression()}, X, y, {}, X[:5],
                                  [1.0], search=None)


def test_best_fools_refuses_an_unfitted_model():
    with pytest.raises(NotFittedError, match=r"model \(LogisticRegression\) is not fitted yet"):
        scorecard.best_fools(LogisticRegression(), SMALL_SEARCH)


@pytest.mark.parametrize(
    "options, message",
    [({"gradient_iterations": 0}, "FoolSearch.gradient_iterations must be a whole number >= 1"),
     ({"population": 2.5}, "FoolSearch.population must be a whole number >= 1"),
     ({"confidence": 99}, "FoolSearch.confidence must be a probability strictly between 0 and 1")],
    ids=["gradient_iterations", "population", "confidence"],
)
def test_fool_search_refuses_a_bad_budget(options, message):
    with pytest.raises(ValueError, match=message):
        scorecard.FoolSearch(**options)


def test_fit_remedies_names_a_missing_network(blobs):
    X, y = blobs
    identity = MLPClassifier((4, 2), activation="identity", max_iter=2000, random_state=0)
    networks = {"identity network": identity.fit(X, y)}
    with pytest.raises(ValueError, match=r"networks lacks \['ReLU network'\].*fit_networks"):
        scorecard.fit_remedies(X, y, networks)


def test_fit_networks_refuses_one_name_given_as_a_string(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match=r"names must be a list of model names, e.g. "
                                        r"\['ReLU network'\]"):
        scorecard.fit_networks(X, y, names="ReLU network")


def test_fit_networks_refuses_labels_one_row_short(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"y must have shape \(180,\), one label per row of X"):
        scorecard.fit_networks(X, y[:-1], names=["logistic regression"])


def test_fit_remedies_fits_the_remedies_named_needing_only_their_networks(blobs):
    X, y = blobs
    relu = MLPClassifier((8,), max_iter=2000, random_state=0).fit(X, y)
    fitted = scorecard.fit_remedies(X, y, {"ReLU network": relu}, random_state=0,
                                    names=["Meinke-Hein (ReLU)", "RBF SVM"])
    assert list(fitted) == ["Meinke-Hein (ReLU)", "RBF SVM"]  # no identity network needed
    assert fitted["Meinke-Hein (ReLU)"].predict_proba(X).shape == (len(X), len(np.unique(y)))
    with pytest.raises(ValueError, match=r"networks lacks \['identity network'\]"):
        scorecard.fit_remedies(X, y, {"ReLU network": relu}, names=["RBF SVM on layer 3"])
    with pytest.raises(ValueError, match=r"unknown remedy name\(s\) \['SVM'\]"):
        scorecard.fit_remedies(X, y, {"ReLU network": relu}, names=["SVM"])
    with pytest.raises(TypeError, match="list of remedy names"):
        scorecard.fit_remedies(X, y, {"ReLU network": relu}, names="density-gated")
