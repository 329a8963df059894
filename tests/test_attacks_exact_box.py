"""An identity network collapsed to one affine map (helpers.network), and the exact smallest L2 change in a box (helpers.attacks.exact)."""

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers import attacks, network


def _network(activation, n_classes, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((60, 6))
    y = np.arange(60) % n_classes
    model = MLPClassifier((7, 5, 2), activation=activation, max_iter=5, random_state=seed)
    with pytest.warns(Warning):  # 5 iterations do not converge; only the weights matter here
        model.fit(X, y)
    return model, X


def _boxed_problem(seed):
    rng = np.random.default_rng(seed)
    X = rng.random((80, 8))
    y = (X[:, :3].sum(axis=1) > 1.5).astype(int) + (X[:, 3] > 0.7)
    return LogisticRegression(C=10).fit(X, y), X


@pytest.mark.parametrize("n_classes", [2, 3])
def test_collapsed_identity_network_gives_the_networks_probabilities(n_classes):
    model, X = _network("identity", n_classes)
    collapsed = network.collapse_identity_network(model)
    far = 50 * np.random.default_rng(1).normal(size=(20, 6))  # affine everywhere, not just near the data
    for rows in (X, far):
        np.testing.assert_allclose(collapsed.predict_proba(rows), model.predict_proba(rows), rtol=0, atol=1e-12)
        np.testing.assert_array_equal(collapsed.predict(rows), model.predict(rows))


def test_exact_linear_answers_apply_to_the_collapsed_network():
    model, X = _network("identity", 3)
    collapsed = network.collapse_identity_network(model)
    exact = attacks.minimal_perturbation_linear(collapsed, X, overshoot=1e-6)
    assert np.all(model.predict(X + exact.delta) != model.predict(X))
    found = attacks.deepfool(model, X, overshoot=0.0)  # one step of DeepFool is exact on an affine model
    np.testing.assert_allclose(found.norm, exact.norm, rtol=1e-5)


def test_collapse_refuses_a_tanh_network():
    model, _ = _network("tanh", 3)
    with pytest.raises(ValueError, match="only an identity network.*'tanh'"):
        network.collapse_identity_network(model)


def test_collapse_refuses_an_unfitted_network():
    with pytest.raises(NotFittedError):
        network.collapse_identity_network(MLPClassifier(activation="identity"))


def test_a_box_too_wide_to_matter_gives_the_unboxed_projection(iris_model, iris_xy):
    X, _ = iris_xy
    free = attacks.minimal_perturbation_linear(iris_model, X)
    boxed = attacks.minimal_perturbation_linear_in_box(iris_model, X, clip=(-1e3, 1e3))
    np.testing.assert_allclose(boxed.norm, free.norm, rtol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_boxed_l2_step_is_the_quadratic_programs_optimum(seed):
    model, X = _boxed_problem(seed)
    step = attacks.minimal_perturbation_linear_in_box(model, X, clip=(0, 1))
    W, b = model.coef_, model.intercept_
    for row in range(0, 80, 11):
        x = X[row]
        c = int(np.argmax(x @ W.T + b))
        for k in range(3):
            if k == c:
                continue
            # minimise ||d||^2 s.t. (w_k - w_c).(x + d) + b_k - b_c >= 0, 0 <= x + d <= 1 (a generic solver)
            a, m = W[k] - W[c], (W[c] - W[k]) @ x + b[c] - b[k]
            if a @ np.clip(np.where(a > 0, 1 - x, -x), -x, 1 - x) < m:  # the box's best corner falls short
                assert step.distances[row, k] == np.inf
                continue
            qp = minimize(lambda d: d @ d, np.zeros_like(x), jac=lambda d: 2 * d, method="SLSQP",
                          bounds=list(zip(-x, 1 - x)), constraints=[{"type": "ineq", "fun": lambda d: a @ d - m}],
                          options={"ftol": 1e-12, "maxiter": 500})
            assert a @ qp.x >= m - 1e-8  # the solver's answer is feasible, so it bounds ours from above
            assert step.distances[row, k] == pytest.approx(np.sqrt(qp.fun), rel=1e-4, abs=1e-6)


def test_boxed_l2_step_stays_in_the_box_flips_and_is_never_shorter_than_the_free_one():
    model, X = _boxed_problem(0)
    step = attacks.minimal_perturbation_linear_in_box(model, X, clip=(0, 1), overshoot=1e-6)
    moved = X + step.delta
    assert moved.min() >= 0 and moved.max() <= 1
    reachable = np.isfinite(step.norm)
    assert reachable.any()
    assert np.all(model.predict(moved[reachable]) != model.predict(X[reachable]))
    free = attacks.minimal_perturbation_linear(model, X)
    assert np.all(step.norm >= free.norm - 1e-12)


def test_a_class_out_of_reach_inside_the_box_has_infinite_distance():
    # one feature in [0, 1]; class 1 needs x >= 5
    model = LogisticRegression().fit(np.array([[0.0], [10.0]]), [0, 1])
    model.coef_, model.intercept_ = np.array([[1.0]]), np.array([-5.0])
    step = attacks.minimal_perturbation_linear_in_box(model, np.array([[0.2]]), clip=(0, 1))
    assert step.norm[0] == np.inf
    np.testing.assert_array_equal(step.delta, 0.0)


@pytest.mark.parametrize("X, kwargs, message", [
    (np.full((1, 8), 2.0), {}, "outside clip"),
    (np.full((1, 8), 0.5), {"overshoot": -1.0}, "overshoot must be >= 0"),
    (np.full((1, 8), 0.5), {"clip": (1, 0)}, "clip"),
    (np.full((1, 3), 0.5), {}, "features"),
])
def test_boxed_l2_step_errors(X, kwargs, message):
    model, _ = _boxed_problem(0)
    with pytest.raises(ValueError, match=message):
        attacks.minimal_perturbation_linear_in_box(model, X, **kwargs)
