"""helpers.gradients of densities (finite differences) and helpers.adaptive's searches."""

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from helpers import adaptive, gradients, remedies
from helpers.density import ClassConditionalDensity


def finite_difference(function, x, h=1e-6):
    """Central differences of a scalar function of a 1-D array."""
    steps = np.eye(x.size) * h
    return np.array([(function(x + e) - function(x - e)) / (2 * h) for e in steps])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 60)
    centres = np.array([[0.3] * 3 + [0.7] * 3, [0.7] * 3 + [0.3] * 3, [0.5] * 6])
    X = np.clip(centres[y] + rng.normal(scale=0.08, size=(180, 6)), 0, 1)
    return X, y


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_gmm_log_density_gradient_matches_finite_differences(data, covariance_type):
    X, _ = data
    mixture = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    points = X[:3] + 0.05
    gradient = gradients.gmm_log_density_gradient(mixture, points)
    for point, row in zip(points, gradient):
        numeric = finite_difference(lambda z: mixture.score_samples(z[None])[0], point)
        np.testing.assert_allclose(row, numeric, rtol=1e-5, atol=1e-6)


def test_gmm_log_density_gradient_rejects_another_model():
    with pytest.raises(TypeError, match="GaussianMixture"):
        gradients.gmm_log_density_gradient(LogisticRegression(), np.zeros((1, 2)))


@pytest.fixture(scope="module")
def class_density(data):
    X, y = data
    return ClassConditionalDensity(n_components=3, random_state=0).fit(X, y)


def test_class_log_density_gradient_matches_finite_differences(class_density, data):
    X, _ = data
    point = X[0] + 0.05
    gradient = gradients.class_log_density_gradient(class_density, point[None])[0]
    for k in range(3):
        numeric = finite_difference(lambda z: class_density.class_log_density(z[None])[0, k], point)
        np.testing.assert_allclose(gradient[k], numeric, rtol=1e-5, atol=1e-6)
    log_density, total = gradients.log_density_and_gradient(class_density, point[None])
    assert log_density[0] == pytest.approx(class_density.score_samples(point[None])[0])
    numeric = finite_difference(lambda z: class_density.score_samples(z[None])[0], point)
    np.testing.assert_allclose(total[0], numeric, rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def meinke_hein(data):
    X, y = data
    net = MLPClassifier((8,), activation="relu", max_iter=3000, random_state=0).fit(X, y)
    return remedies.MeinkeHeinClassifier(FrozenEstimator(net), n_in_components=2).fit(X, y)


@pytest.mark.parametrize("which", ["density", "meinke-hein", "network"])
def test_log_probability_gradient_matches_finite_differences(which, class_density, meinke_hein, data):
    X, _ = data
    model = {"density": class_density, "meinke-hein": meinke_hein,
             "network": meinke_hein.classifier_}[which]
    points = np.vstack([X[:2] + 0.05, 1.5 * X[2:3]])
    log_p, gradient = adaptive.log_probability_and_gradient(model, points, 2)
    np.testing.assert_allclose(log_p, np.log(model.predict_proba(points)[:, 2]), rtol=1e-10)
    for point, row in zip(points, gradient):
        numeric = finite_difference(lambda z: np.log(model.predict_proba(z[None])[0, 2]), point)
        np.testing.assert_allclose(row, numeric, rtol=1e-5, atol=1e-6)


def test_log_probability_rejects_a_model_without_gradient(data):
    X, y = data
    with pytest.raises(TypeError, match="gradient-free"):
        adaptive.log_probability_and_gradient(SVC().fit(X, y), X[:1], 0)


def test_log_probability_rejects_an_unknown_class(class_density, data):
    X, _ = data
    with pytest.raises(ValueError, match="target_class=7 is not one of the model's classes"):
        adaptive.log_probability_and_gradient(class_density, X[:1], 7)


@pytest.fixture(scope="module")
def gated(data):
    X, y = data
    return remedies.DensityGatedClassifier(ClassConditionalDensity(n_components=3), 0.98).fit(X, y)


def test_adaptive_fool_image_passes_the_gate(gated):
    fool = adaptive.adaptive_fool_image(gated, 1, start="blank", confidence=0.9)
    assert fool.image.min() >= 0 and fool.image.max() <= 1
    assert gated.accepts(fool.image[None])[0]
    assert fool.probability == pytest.approx(gated.predict_proba(fool.image[None])[0, 1])
    assert fool.reached


def test_adaptive_fool_image_without_gate_weight_is_rejected(gated):
    # Without the penalty the search climbs the posterior alone and leaves the typical range.
    fool = adaptive.adaptive_fool_image(gated, 1, start="blank", confidence=0.999999, gate_weight=0)
    assert not gated.accepts(fool.image[None])[0]


@pytest.mark.parametrize("kwargs, match", [
    ({"confidence": 1.0}, "confidence"),
    ({"gate_weight": -1.0}, "gate_weight"),
    ({"max_iter": 0}, "max_iter"),
    ({"start": "grey"}, "start"),
    ({"start": np.full(6, 2.0)}, "outside clip"),
])
def test_adaptive_fool_image_rejects_bad_arguments(gated, kwargs, match):
    with pytest.raises(ValueError, match=match):
        adaptive.adaptive_fool_image(gated, 1, **kwargs)


def test_adaptive_pgd_stays_in_the_ball_and_the_box(meinke_hein, gated, data):
    X, y = data
    targets = (y[:10] + 1) % 3
    X_adv = adaptive.adaptive_pgd(meinke_hein.classifier_, gated, X[:10], targets, 0.1, 1.0)
    assert np.abs(X_adv - X[:10]).max() <= 0.1 + 1e-12
    assert X_adv.min() >= 0 and X_adv.max() <= 1
    plain = adaptive.adaptive_pgd(meinke_hein.classifier_, None, X[:10], targets, 0.0, 0.0)
    np.testing.assert_array_equal(plain, X[:10])


@pytest.fixture(scope="module")
def passing(meinke_hein, gated, data):
    X, y = data
    targets = (y[:10] + 1) % 3
    grid = [0.05, 0.2, 0.5]
    return adaptive.smallest_passing_eps(meinke_hein.classifier_, gated, X[:10], targets, grid,
                                         density_weight=1.0), targets, grid


def test_smallest_passing_eps_finds_the_first_radius(meinke_hein, gated, data, passing):
    X, _ = data
    smallest, targets, grid = passing
    net = meinke_hein.classifier_
    assert list(smallest.columns) == list(adaptive.PASSING_ATTACKS)
    for i, eps in enumerate(smallest["classifier alone, PGD"]):
        assert np.isfinite(eps)  # 0.5 moves every row of these blobs anywhere
        X_adv = adaptive.adaptive_pgd(net, None, X[i:i + 1], targets[i:i + 1], eps, 0.0)
        assert net.predict(X_adv)[0] == targets[i]
        smaller = [r for r in grid if r < eps]
        if smaller:  # the radius before it does not fool
            X_less = adaptive.adaptive_pgd(net, None, X[i:i + 1], targets[i:i + 1], smaller[-1],
                                           0.0)
            assert net.predict(X_less)[0] != targets[i]
    for i, eps in enumerate(smallest["with detector, PGD"]):
        if np.isfinite(eps):
            X_adv = adaptive.adaptive_pgd(net, None, X[i:i + 1], targets[i:i + 1], eps, 0.0)
            assert net.predict(X_adv)[0] == targets[i] and gated.accepts(X_adv)[0]


def test_smallest_passing_eps_past_the_detector_needs_at_least_as_much(passing):
    smallest, _, _ = passing
    assert (smallest["with detector, PGD"] >= smallest["classifier alone, PGD"]).all()
    # The adaptive column is the attacker's best of both attacks.
    assert (smallest["with detector, adaptive PGD"] <= smallest["with detector, PGD"]).all()


def test_smallest_passing_eps_adaptive_attack_passes_where_plain_pgd_does_not(meinke_hein,
                                                                              gated, data):
    # With large radii plain PGD leaves the typical range; climbing back into it through the
    # density passes the detector at a smaller radius for some rows.
    X, y = data
    net, targets, grid = meinke_hein.classifier_, (y[:20] + 1) % 3, [0.5, 0.7, 1.0]
    smallest = adaptive.smallest_passing_eps(net, gated, X[:20], targets, grid, density_weight=1.0)
    adaptive_eps, plain_eps = smallest["with detector, adaptive PGD"], smallest["with detector, PGD"]
    better = np.flatnonzero(adaptive_eps < plain_eps)
    assert better.size > 0
    for i in better:
        X_adv = adaptive.adaptive_pgd(net, gated, X[i:i + 1], targets[i:i + 1], adaptive_eps[i], 1.0)
        assert net.predict(X_adv)[0] == targets[i] and gated.accepts(X_adv)[0]


def test_smallest_passing_eps_rejects_a_missing_detector(meinke_hein, data):
    X, y = data
    with pytest.raises(TypeError, match="DensityGatedClassifier"):
        adaptive.smallest_passing_eps(meinke_hein.classifier_, None, X[:2], y[:2], [0.1])


def test_smallest_passing_eps_rejects_a_zero_density_weight(meinke_hein, gated, data):
    X, y = data
    with pytest.raises(ValueError, match="density_weight"):
        adaptive.smallest_passing_eps(meinke_hein.classifier_, gated, X[:2], y[:2], [0.1],
                                      density_weight=0.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"eps": -0.1}, "eps"),
    ({"density_weight": -1.0}, "density_weight"),
    ({"n_steps": 0}, "n_steps"),
    ({"targets": np.zeros(3, int)}, "targets must have shape"),
    ({"targets": np.full(10, 9)}, "targets=9 is not one of the model's classes"),
    ({"detector": None, "density_weight": 1.0}, "needs a detector"),
])
def test_adaptive_pgd_rejects_bad_arguments(meinke_hein, gated, data, kwargs, match):
    X, y = data
    arguments = {"classifier": meinke_hein.classifier_, "detector": gated, "X": X[:10],
                 "targets": (y[:10] + 1) % 3, "eps": 0.1, "density_weight": 1.0}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        adaptive.adaptive_pgd(**arguments)


def test_smallest_passing_eps_rejects_a_bad_grid(meinke_hein, gated, data):
    X, y = data
    with pytest.raises(ValueError, match="eps_grid"):
        adaptive.smallest_passing_eps(meinke_hein.classifier_, gated, X[:2], y[:2], [0.2, 0.1])


@pytest.mark.parametrize("detector", ["logistic regression", "Meinke-Hein"])
def test_adaptive_pgd_refuses_a_detector_without_density(meinke_hein, data, detector):
    X, y = data
    without_density = {"logistic regression": meinke_hein.classifier_,
                       "Meinke-Hein": meinke_hein}[detector]
    with pytest.raises(TypeError, match="detector must be a fitted helpers.remedies."
                                        "DensityGatedClassifier.*got"):
        adaptive.adaptive_pgd(meinke_hein.classifier_, without_density, X[:3], (y[:3] + 1) % 3,
                              0.1, 1.0)


def test_adaptive_pgd_refuses_0_255_pixels(meinke_hein, gated, data):
    X, y = data
    with pytest.raises(ValueError, match=r"outside clip=\(0, 1\) \(0-255 pixels\? divide them "
                                         r"by 255, and give eps on that scale\)"):
        adaptive.adaptive_pgd(meinke_hein.classifier_, gated, np.round(X[:3] * 255),
                              (y[:3] + 1) % 3, 25.0, 1.0)


def test_adaptive_fool_image_refuses_a_model_without_probabilities(data):
    X, y = data
    with pytest.raises(TypeError, match=r"model \(SVC\) gives no class probabilities"):
        adaptive.adaptive_fool_image(SVC().fit(X, y), 0)


@pytest.mark.parametrize("name, value, error", [("gate_weight", "high", TypeError),
                                                ("confidence", "high", ValueError)])
def test_adaptive_fool_image_names_text_given_for_a_number(gated, name, value, error):
    with pytest.raises(error, match=f"{name} must be a"):
        adaptive.adaptive_fool_image(gated, 0, **{name: value})


def test_smallest_passing_eps_names_a_grid_of_text(meinke_hein, gated, data):
    X, y = data
    with pytest.raises(ValueError, match="eps_grid must hold numbers only"):
        adaptive.smallest_passing_eps(meinke_hein.classifier_, gated, X[:2], y[:2], ["small"])
