import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers import attacks, gradients


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 8x8 digits 0-3, pixels scaled to [0, 1]: train and test halves."""
    X, y = load_digits(n_class=4, return_X_y=True)
    X = X / 16.0
    return X[::2], y[::2], X[1::2], y[1::2]


@pytest.fixture(scope="module")
def logistic(digits):
    X, y, _, _ = digits
    return LogisticRegression(max_iter=500).fit(X, y)


@pytest.fixture(scope="module")
def network(digits):
    X, y, _, _ = digits
    model = MLPClassifier(hidden_layer_sizes=(16,), activation="tanh", max_iter=200,
                          random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@pytest.fixture(params=["logistic", "network"])
def model(request, logistic, network):
    return {"logistic": logistic, "network": network}[request.param]


def _mean_loss(model, X, y):
    return gradients.loss_and_input_gradient(model, X, y)[0].mean()


def test_fgsm_moves_every_pixel_by_exactly_eps_before_clipping(model, digits):
    _, _, X, y = digits
    X_adv = attacks.fgsm(model, X, y, eps=0.1, clip=None)
    change = np.abs(X_adv - X)
    np.testing.assert_allclose(change.max(axis=1), 0.1, rtol=1e-12)
    moved = change > 0
    np.testing.assert_allclose(change[moved], 0.1, rtol=1e-12)  # nothing moves by less
    assert _mean_loss(model, X_adv, y) > _mean_loss(model, X, y)


def test_fgsm_stays_in_the_pixel_box(model, digits):
    _, _, X, y = digits
    X_adv = attacks.fgsm(model, X, y, eps=0.3)
    assert X_adv.min() >= 0.0 and X_adv.max() <= 1.0
    assert np.abs(X_adv - X).max() <= 0.3 + 1e-12
    assert np.abs(X_adv - X).max() == pytest.approx(0.3)


def test_fgsm_l2_step_has_length_eps(logistic, digits):
    _, _, X, y = digits
    X_adv = attacks.fgsm(logistic, X, y, eps=0.5, norm=2, clip=None)
    np.testing.assert_allclose(np.linalg.norm(X_adv - X, axis=1), 0.5, rtol=1e-12)


@pytest.mark.parametrize("norm, eps", [(np.inf, 0.1), (2, 1.0)])
def test_pgd_is_at_least_as_strong_as_fgsm_and_stays_in_the_ball(model, digits, norm, eps):
    _, _, X, y = digits
    fast = attacks.fgsm(model, X, y, eps, norm=norm)
    projected = attacks.pgd(model, X, y, eps, norm=norm, n_steps=10)
    assert model.score(projected, y) <= model.score(fast, y)
    assert _mean_loss(model, projected, y) >= _mean_loss(model, fast, y)
    size = np.abs(projected - X).max(axis=1) if np.isinf(norm) else np.linalg.norm(
        projected - X, axis=1)
    assert size.max() <= eps + 1e-9
    assert projected.min() >= 0.0 and projected.max() <= 1.0


def test_pgd_random_start_is_seeded(network, digits):
    _, _, X, y = digits
    first = attacks.pgd(network, X[:20], y[:20], 0.1, n_steps=3, random_start=True)
    again = attacks.pgd(network, X[:20], y[:20], 0.1, n_steps=3, random_start=True)
    other = attacks.pgd(network, X[:20], y[:20], 0.1, n_steps=3, random_start=True,
                        random_state=1)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_deepfool_matches_the_exact_minimal_perturbation_of_a_linear_model(logistic, digits):
    _, _, X, _ = digits
    found = attacks.deepfool(logistic, X, overshoot=0.0)
    exact = attacks.minimal_perturbation_linear(logistic, X)
    assert found.flipped.all()
    assert np.all(logistic.predict(X + found.delta) != logistic.predict(X))
    ratio = found.norm / exact.norm
    assert np.median(ratio) <= 1.01
    assert ratio.min() >= 1.0 - 1e-9  # nothing beats the exact minimum
    # The nearest border of the predicted class's region is the way out of it: one step, exact
    # up to the relative 1e-6 (plus 1e-9) that makes the step cross.
    np.testing.assert_allclose(found.norm, exact.norm, rtol=2e-6, atol=2e-9)
    np.testing.assert_array_equal(found.n_iter, 1)


def test_deepfool_overshoot_lengthens_the_perturbation(logistic, digits):
    _, _, X, _ = digits
    plain = attacks.deepfool(logistic, X[:30], overshoot=0.0)
    longer = attacks.deepfool(logistic, X[:30], overshoot=0.02)
    np.testing.assert_allclose(longer.norm, 1.02 * plain.norm, rtol=1e-12)


def test_deepfool_flips_a_network(network, digits):
    _, _, X, _ = digits
    found = attacks.deepfool(network, X)
    assert found.flipped.mean() >= 0.99
    np.testing.assert_array_equal(network.predict(X + found.delta), found.predicted)
    assert np.all(found.predicted[found.flipped] != network.predict(X)[found.flipped])
    np.testing.assert_allclose(found.norm, np.linalg.norm(found.delta, axis=1))


@pytest.mark.parametrize("start", ["blank", "noise"])
def test_fool_image_reaches_the_confidence_inside_the_box(model, start):
    for target in model.classes_:
        fool = attacks.fool_image(model, target, confidence=0.99, start=start)
        assert fool.reached
        assert fool.probability >= 0.99
        assert model.predict_proba(fool.image[np.newaxis])[0, target] == pytest.approx(
            fool.probability)
        assert fool.image.min() >= 0.0 and fool.image.max() <= 1.0


def test_one_pixel_attack_changes_one_pixel_and_reports_the_truth(logistic, digits):
    _, _, X, y = digits
    results = [attacks.one_pixel_attack(logistic, X[i], y[i], popsize=10, maxiter=10)
               for i in range(15)]
    assert any(r.fooled for r in results)
    for i, r in enumerate(results):
        changed = np.flatnonzero(r.x_adv != X[i])
        assert set(changed) <= set(r.pixels)
        assert r.x_adv[r.pixels[0]] == r.values[0]
        assert 0.0 <= r.values[0] <= 1.0
        assert r.fooled == (logistic.predict(r.x_adv[np.newaxis])[0] != y[i])
        assert r.probability == pytest.approx(logistic.predict_proba(r.x_adv[np.newaxis])[0, y[i]])
    again = attacks.one_pixel_attack(logistic, X[0], y[0], popsize=10, maxiter=10)
    np.testing.assert_array_equal(again.x_adv, results[0].x_adv)


# --- Errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("attack", [attacks.fgsm, attacks.pgd])
def test_negative_eps_is_refused(attack, logistic, digits):
    _, _, X, y = digits
    with pytest.raises(ValueError, match="eps must be a finite number >= 0"):
        attack(logistic, X, y, eps=-0.1)


@pytest.mark.parametrize("attack", [attacks.fgsm, attacks.pgd])
def test_unknown_norm_is_refused(attack, logistic, digits):
    _, _, X, y = digits
    with pytest.raises(ValueError, match="unknown norm 'l1'"):
        attack(logistic, X, y, eps=0.1, norm="l1")


@pytest.mark.parametrize("attack", [attacks.fgsm, attacks.pgd])
def test_wrong_shape_is_refused(attack, logistic, digits):
    _, _, X, y = digits
    with pytest.raises(ValueError, match="must be a 2-D array"):
        attack(logistic, X[0], y[:1], eps=0.1)


def test_wrong_number_of_pixels_is_refused_by_deepfool(logistic, digits):
    _, _, X, _ = digits
    with pytest.raises(ValueError, match="63 features but 64 are expected"):
        attacks.deepfool(logistic, X[:, 1:])


@pytest.mark.parametrize("attack", [attacks.fgsm, attacks.pgd])
def test_unfitted_model_is_refused(attack, digits):
    _, _, X, y = digits
    with pytest.raises(NotFittedError, match="call model.fit"):
        attack(LogisticRegression(), X, y, eps=0.1)


def test_unfitted_model_is_refused_by_deepfool_and_fool_image(digits):
    _, _, X, _ = digits
    with pytest.raises(NotFittedError):
        attacks.deepfool(MLPClassifier(), X)
    with pytest.raises(NotFittedError):
        attacks.fool_image(MLPClassifier(), 0)


def test_pixels_outside_the_box_are_refused(logistic, digits):
    _, _, X, y = digits
    with pytest.raises(ValueError, match="outside clip"):
        attacks.fgsm(logistic, X * 16, y, eps=0.1)


def test_negative_overshoot_is_refused(logistic, digits):
    _, _, X, _ = digits
    with pytest.raises(ValueError, match="overshoot must be a finite number >= 0"):
        attacks.deepfool(logistic, X, overshoot=-0.1)


def test_fool_image_refuses_a_confidence_outside_0_1(logistic):
    with pytest.raises(ValueError, match=r"confidence must be a probability in \(0, 1\)"):
        attacks.fool_image(logistic, 0, confidence=1.0)


def test_fool_image_refuses_an_unknown_start_or_class(logistic):
    with pytest.raises(ValueError, match="start must be 'blank', 'noise' or an image"):
        attacks.fool_image(logistic, 0, start="grey")
    with pytest.raises(ValueError, match="target_class=9 is not one of the model.s classes"):
        attacks.fool_image(logistic, 9)


def test_one_pixel_attack_wants_one_flat_image(logistic, digits):
    _, _, X, y = digits
    with pytest.raises(ValueError, match=r"Pass X\[i\]"):
        attacks.one_pixel_attack(logistic, X[:1], y[0])
    with pytest.raises(ValueError, match="y=7 is not one of the model.s classes"):
        attacks.one_pixel_attack(logistic, X[0], 7)


def test_deepfool_with_clip_keeps_every_pixel_valid_and_still_flips(network, digits):
    _, _, X, _ = digits
    found = attacks.deepfool(network, X[:60], max_step=0.1, max_iter=200, clip=(0.0, 1.0))
    changed = X[:60] + found.delta
    assert changed.min() >= 0.0 and changed.max() <= 1.0
    assert found.flipped.mean() >= 0.95
    np.testing.assert_array_equal(network.predict(changed), found.predicted)
    free = attacks.deepfool(network, X[:60], max_step=0.1, max_iter=200)
    assert (X[:60] + free.delta).min() < 0.0 or (X[:60] + free.delta).max() > 1.0


def test_deepfool_refuses_pixels_outside_clip(logistic, digits):
    _, _, X, _ = digits
    with pytest.raises(ValueError, match="outside clip"):
        attacks.deepfool(logistic, X * 16, clip=(0.0, 1.0))


def test_deepfool_refuses_a_step_limit_that_is_not_positive(logistic, digits):
    _, _, X, _ = digits
    with pytest.raises(ValueError, match="max_step must be > 0 or None"):
        attacks.deepfool(logistic, X, max_step=0.0)


def test_deepfool_step_limit_caps_each_linearisation(network, digits):
    _, _, X, _ = digits
    found = attacks.deepfool(network, X[:40], max_step=0.05, overshoot=0.0, max_iter=200)
    assert found.flipped.all()
    assert np.all(found.norm <= 0.05 * found.n_iter + 1e-12)


# --- Measurements -------------------------------------------------------------------------------


def test_accuracy_under_attack_starts_at_the_clean_accuracy(logistic, network, digits):
    _, _, X, y = digits
    table = attacks.accuracy_under_attack({"lr": logistic, "net": network}, X, y,
                                          [0.0, 0.1, 0.3], n_steps=5)
    assert table.shape == (2 * 3 * 2, 4)
    assert list(table.columns) == ["model", "attack", "eps", "accuracy"]
    clean = table[table["eps"] == 0]
    for name, model in [("lr", logistic), ("net", network)]:
        assert np.allclose(clean.loc[clean["model"] == name, "accuracy"], model.score(X, y))
        for attack in ("FGSM", "PGD"):
            curve = table[(table["model"] == name) & (table["attack"] == attack)]["accuracy"]
            assert curve.is_monotonic_decreasing
    pgd_rows = table[table["attack"] == "PGD"]["accuracy"].to_numpy()
    fgsm_rows = table[table["attack"] == "FGSM"]["accuracy"].to_numpy()
    assert np.all(pgd_rows <= fgsm_rows)


def test_smallest_fgsm_is_the_first_grid_value_that_fools(network, digits):
    _, _, X, y = digits
    grid = np.linspace(0, 0.1, 11)
    found = attacks.smallest_fgsm(network, X, y, grid)
    assert found.fooled.any() and not found.fooled.all()
    for i in np.flatnonzero(found.fooled)[:20]:
        at = attacks.fgsm(network, X[i:i + 1], y[i:i + 1], found.eps[i])
        assert network.predict(at)[0] != y[i]
        np.testing.assert_allclose(at[0] - X[i], found.delta[i])
        if found.eps[i] > 0:
            before = attacks.fgsm(network, X[i:i + 1], y[i:i + 1], found.eps[i] - 0.01)
            assert network.predict(before)[0] == y[i]
    assert np.all(np.isnan(found.eps[~found.fooled]))


def test_deepfool_vs_fgsm_attacks_only_correctly_classified_rows(logistic, digits):
    _, _, X, y = digits
    table = attacks.deepfool_vs_fgsm({"lr": logistic}, X, y, np.linspace(0, 0.5, 51),
                                     clip=None, overshoot=0.0)
    correct = np.flatnonzero(logistic.predict(X) == y)
    for attack in ("DeepFool", "FGSM"):
        rows = table[table["attack"] == attack]
        np.testing.assert_array_equal(rows["row"], correct)
    deep = table[table["attack"] == "DeepFool"]
    exact = attacks.minimal_perturbation_linear(logistic, X[correct])
    np.testing.assert_allclose(deep["L2"].to_numpy(), exact.norm, rtol=2e-6, atol=2e-9)
    fooled = table[table["fooled"]]
    assert fooled["L2"].notna().all() and fooled["Linf"].notna().all()


def test_deepfool_vs_fgsm_keeps_both_attacks_in_the_pixel_box(network, digits):
    _, _, X, y = digits
    table = attacks.deepfool_vs_fgsm({"net": network}, X[:40], y[:40], np.linspace(0, 0.5, 51),
                                     max_step=0.1, max_iter=200)
    deep = table[table["attack"] == "DeepFool"]
    found = attacks.deepfool(network, X[deep["row"]], max_step=0.1, max_iter=200,
                             clip=(0.0, 1.0))
    np.testing.assert_allclose(deep["L2"], np.where(found.flipped, found.norm, np.nan))
    changed = X[deep["row"]] + found.delta
    assert changed.min() >= 0.0 and changed.max() <= 1.0


def test_one_pixel_flips_linear_agrees_with_brute_force(logistic, digits):
    _, _, X, _ = digits
    rows = X[:25]
    exact = attacks.one_pixel_flips_linear(logistic, rows)
    predicted = logistic.predict(rows)
    for i, x in enumerate(rows):
        candidates = np.repeat(x[np.newaxis], 2 * len(x), axis=0)
        candidates[np.arange(len(x)), np.arange(len(x))] = 0.0
        candidates[len(x) + np.arange(len(x)), np.arange(len(x))] = 1.0
        assert exact[i] == bool(np.any(logistic.predict(candidates) != predicted[i]))
    assert exact.any() and not exact.all()
    with pytest.raises(ValueError, match="outside clip"):
        attacks.one_pixel_flips_linear(logistic, rows * 2)


def test_evolved_fool_image_reaches_the_confidence_inside_the_box(logistic):
    for target in logistic.classes_:
        fool = attacks.evolve_fool_image(logistic, target, confidence=0.99, generations=400)
        assert fool.reached and fool.n_iter < 400
        assert logistic.predict_proba(fool.image[np.newaxis])[0, target] == pytest.approx(
            fool.probability)
        assert fool.probability >= 0.99
        assert fool.image.min() >= 0.0 and fool.image.max() <= 1.0
    again = attacks.evolve_fool_image(logistic, logistic.classes_[-1], generations=400)
    np.testing.assert_array_equal(again.image, fool.image)


def test_evolved_fool_image_checks_its_settings(logistic):
    with pytest.raises(ValueError, match=r"mutation_rate must be in \(0, 1\]"):
        attacks.evolve_fool_image(logistic, 0, mutation_rate=0.0)
    with pytest.raises(ValueError, match="target_class=9 is not one of the model.s classes"):
        attacks.evolve_fool_image(logistic, 9)
    with pytest.raises(ValueError, match="generations must be a whole number >= 1"):
        attacks.evolve_fool_image(logistic, 0, generations=0)
    with pytest.raises(NotFittedError):
        attacks.evolve_fool_image(LogisticRegression(), 0)


# --- Bad input: every measurement names the problem and the fix ------------------------------


def _unfitted():
    return LogisticRegression()


ERROR_CASES = {
    "one_pixel_attack, unfitted": (
        lambda lr, X, y: attacks.one_pixel_attack(_unfitted(), X[0], y[0]),
        NotFittedError, "not fitted yet: call model.fit"),
    "one_pixel_attack, wrong number of pixels": (
        lambda lr, X, y: attacks.one_pixel_attack(lr, X[0, 1:], y[0]),
        ValueError, "x has 63 features but 64 are expected"),
    "one_pixel_attack, image outside clip": (
        lambda lr, X, y: attacks.one_pixel_attack(lr, X[0] * 16, y[0]),
        ValueError, "outside clip"),
    "one_pixel_attack, popsize 0": (
        lambda lr, X, y: attacks.one_pixel_attack(lr, X[0], y[0], popsize=0),
        ValueError, "popsize must be a whole number >= 1"),
    "one_pixel_attack, maxiter 0": (
        lambda lr, X, y: attacks.one_pixel_attack(lr, X[0], y[0], maxiter=0),
        ValueError, "maxiter must be a whole number >= 1"),
    "one_pixel_attack, n_pixels 0": (
        lambda lr, X, y: attacks.one_pixel_attack(lr, X[0], y[0], n_pixels=0),
        ValueError, "n_pixels must be a whole number >= 1"),
    "one_pixel_flips_linear, unfitted": (
        lambda lr, X, y: attacks.one_pixel_flips_linear(_unfitted(), X),
        NotFittedError, "not fitted yet: call model.fit"),
    "one_pixel_flips_linear, wrong number of pixels": (
        lambda lr, X, y: attacks.one_pixel_flips_linear(lr, X[:, 1:]),
        ValueError, "63 features but 64 are expected"),
    "smallest_fgsm, negative eps": (
        lambda lr, X, y: attacks.smallest_fgsm(lr, X, y, [0.0, -0.1]),
        ValueError, "eps_grid must hold finite numbers >= 0"),
    "smallest_fgsm, unfitted": (
        lambda lr, X, y: attacks.smallest_fgsm(_unfitted(), X, y, [0.1]),
        NotFittedError, "not fitted yet: call model.fit"),
    "smallest_fgsm, wrong number of pixels": (
        lambda lr, X, y: attacks.smallest_fgsm(lr, X[:, 1:], y, [0.1]),
        ValueError, "63 features but 64 are expected"),
    "smallest_fgsm, one label short": (
        lambda lr, X, y: attacks.smallest_fgsm(lr, X, y[:-1], [0.1]),
        ValueError, "one label per row of X"),
    "accuracy_under_attack, negative eps": (
        lambda lr, X, y: attacks.accuracy_under_attack({"lr": lr}, X, y, [-0.1]),
        ValueError, "eps must hold finite numbers >= 0"),
    "accuracy_under_attack, unfitted": (
        lambda lr, X, y: attacks.accuracy_under_attack({"lr": _unfitted()}, X, y, [0.1]),
        NotFittedError, r"models\['lr'\] \(LogisticRegression\) is not fitted yet"),
    "accuracy_under_attack, one label short": (
        lambda lr, X, y: attacks.accuracy_under_attack({"lr": lr}, X, y[:-1], [0.1]),
        ValueError, "one label per row of X"),
    "accuracy_under_attack, no PGD steps": (
        lambda lr, X, y: attacks.accuracy_under_attack({"lr": lr}, X, y, [0.1], n_steps=0),
        ValueError, "n_steps must be a whole number >= 1"),
    "deepfool_vs_fgsm, negative eps": (
        lambda lr, X, y: attacks.deepfool_vs_fgsm({"lr": lr}, X, y, [-0.1]),
        ValueError, "eps_grid must hold finite numbers >= 0"),
    "deepfool_vs_fgsm, unfitted": (
        lambda lr, X, y: attacks.deepfool_vs_fgsm({"lr": _unfitted()}, X, y, [0.1]),
        NotFittedError, r"models\['lr'\] \(LogisticRegression\) is not fitted yet"),
    "deepfool_vs_fgsm, wrong number of pixels": (
        lambda lr, X, y: attacks.deepfool_vs_fgsm({"lr": lr}, X[:, 1:], y, [0.1]),
        ValueError, "63 features but 64 are expected"),
    "deepfool_vs_fgsm, one label short": (
        lambda lr, X, y: attacks.deepfool_vs_fgsm({"lr": lr}, X, y[:-1], [0.1]),
        ValueError, "one label per row of X"),
    "fool_image, start of the wrong size": (
        lambda lr, X, y: attacks.fool_image(lr, 0, start=np.zeros(10)),
        ValueError, "start has 10 features but 64 are expected"),
    "fool_image, start outside clip": (
        lambda lr, X, y: attacks.fool_image(lr, 0, start=np.full(64, 2.0)),
        ValueError, "start has values in .*outside clip"),
    "evolve_fool_image, unfitted": (
        lambda lr, X, y: attacks.evolve_fool_image(_unfitted(), 0),
        NotFittedError, "not fitted yet: call model.fit"),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_bad_input_is_named(case, logistic, digits):
    call, error, message = ERROR_CASES[case]
    _, _, X, y = digits
    with pytest.raises(error, match=message):
        call(logistic, X, y)


def test_one_pixel_attack_counts_the_images_it_scored(logistic, digits):
    _, _, X, y = digits
    results = [attacks.one_pixel_attack(logistic, X[i], y[i], popsize=5, maxiter=4)
               for i in range(6)]
    per_generation = 5 * 2  # popsize candidates for each of the two unknowns
    assert not all(r.fooled for r in results)
    for result in results:
        assert result.n_evaluations % per_generation == 0
        if not result.fooled:  # the search ran to the end: the first generation and 4 more
            assert result.n_evaluations == (4 + 1) * per_generation
