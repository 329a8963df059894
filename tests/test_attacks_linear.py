import numpy as np
import pytest
from scipy.optimize import linprog, minimize
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from helpers import attacks, gradients
from helpers.linear import linear_scores


def _scores(model, Z):
    W, b = linear_scores(model)
    return Z @ W.T + b


def test_minimal_perturbation_lands_on_the_border_between_two_classes(iris_model, iris_xy):
    X, _ = iris_xy
    result = attacks.minimal_perturbation_linear(iris_model, X)
    assert result.delta.shape == X.shape
    scores = _scores(iris_model, X + result.delta)
    k_from = np.searchsorted(iris_model.classes_, iris_model.predict(X))
    k_to = np.searchsorted(iris_model.classes_, result.target)
    rows = np.arange(len(X))
    assert np.all(k_from != k_to)
    np.testing.assert_allclose(scores[rows, k_to], scores[rows, k_from], atol=1e-9)
    # The target class is (jointly) the top score there: X + delta is in its region.
    assert np.all(scores[rows, k_to] >= scores.max(axis=1) - 1e-9)
    np.testing.assert_allclose(result.norm, np.linalg.norm(result.delta, axis=1))
    others = np.where(result.distances == 0, np.inf, result.distances)
    np.testing.assert_allclose(result.norm, others.min(axis=1), rtol=1e-12)


def test_minimal_perturbation_is_minimal(iris_model, iris_xy):
    X, _ = iris_xy
    rows = X[::10]
    result = attacks.minimal_perturbation_linear(iris_model, rows)
    W, b = linear_scores(iris_model)
    predicted = np.searchsorted(iris_model.classes_, iris_model.predict(rows))
    for x, norm, c in zip(rows, result.norm, predicted):
        best = np.inf
        for k in set(range(3)) - {c}:
            constraints = [
                {"type": "ineq", "fun": lambda z, k=k, j=j: (W[k] - W[j]) @ z + b[k] - b[j]}
                for j in set(range(3)) - {k}
            ]
            qp = minimize(lambda z: np.sum((z - x) ** 2), x, constraints=constraints,
                          method="SLSQP", options={"ftol": 1e-14})
            best = min(best, np.sqrt(qp.fun))
        assert norm == pytest.approx(best, abs=1e-6)


def test_a_third_class_in_the_way_needs_the_quadratic_program():
    # Class 0 is a wide wedge with its apex at (5, 0); classes 1 and 2 lie beyond its two edges.
    # From x = (4, -3) the perpendicular foot on the 0|1 border line falls inside class 2, so the
    # nearest point of class 1's region is the apex, where two constraints are active.
    model = LogisticRegression().fit(np.arange(6.0).reshape(3, 2), [0, 1, 2])
    model.coef_ = np.array([[0.0, 0.0], [1.0, 0.3], [1.0, -0.3]])
    model.intercept_ = np.array([0.0, -5.0, -5.0])
    x = np.array([[4.0, -3.0]])
    result = attacks.minimal_perturbation_linear(model, x)
    assert result.distances[0, 1] == pytest.approx(np.sqrt(10.0), abs=1e-12)
    # Class 2 is nearest, by the closed-form projection onto the 0|2 border line.
    w = model.coef_[2]
    assert result.norm[0] == pytest.approx(abs(x[0] @ w - 5.0) / np.linalg.norm(w), abs=1e-12)
    assert result.target[0] == 2
    np.testing.assert_array_equal(result.distances[0, [0, 2]], [0.0, result.norm[0]])


def test_overshoot_flips_the_prediction(iris_model, iris_xy):
    X, _ = iris_xy
    result = attacks.minimal_perturbation_linear(iris_model, X, overshoot=1e-6)
    np.testing.assert_array_equal(iris_model.predict(X + result.delta), result.target)


def test_binary_model():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    model = LogisticRegression().fit(X, (X[:, 0] + X[:, 1] > 0).astype(int))
    result = attacks.minimal_perturbation_linear(model, X)
    w, b0 = model.coef_[0], model.intercept_[0]
    np.testing.assert_allclose(result.norm, np.abs(X @ w + b0) / np.linalg.norm(w), rtol=1e-10)


#: The message check_fitted gives (scikit-learn's own NotFittedError also mentions "fit").
NOT_FITTED = r"not fitted yet: call model\.fit"

#: The linear attacks, each called on a model and X with valid other arguments.
LINEAR_ATTACKS = {
    "minimal_perturbation_linear": lambda model, X: attacks.minimal_perturbation_linear(model, X),
    "minimal_linf_perturbation_linear":
        lambda model, X: attacks.minimal_linf_perturbation_linear(model, X),
    "linf_step_by_feature_count": lambda model, X: attacks.linf_step_by_feature_count(model, X, [1]),
    "fools_along_rays": lambda model, X: attacks.fools_along_rays(
        model, X, np.resize(["setosa", "versicolor", "virginica"], len(X)), [1]),
}


@pytest.mark.parametrize("attack", LINEAR_ATTACKS.values(), ids=LINEAR_ATTACKS.keys())
def test_linear_attacks_need_a_fitted_model(attack, iris_xy):
    X, _ = iris_xy
    with pytest.raises(NotFittedError, match=NOT_FITTED):
        attack(LogisticRegression(), X)


@pytest.mark.parametrize("attack", LINEAR_ATTACKS.values(), ids=LINEAR_ATTACKS.keys())
def test_linear_attacks_refuse_the_wrong_number_of_features(attack, iris_model):
    with pytest.raises(ValueError, match="3 features but 2"):
        attack(iris_model, np.ones((3, 3)))


@pytest.mark.parametrize("attack", LINEAR_ATTACKS.values(), ids=LINEAR_ATTACKS.keys())
def test_linear_attacks_refuse_nan(attack, iris_model):
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        attack(iris_model, [[np.nan, 1.0], [1.0, 1.0], [2.0, 1.0]])


@pytest.mark.parametrize("attack", LINEAR_ATTACKS.values(), ids=LINEAR_ATTACKS.keys())
def test_linear_attacks_refuse_a_non_linear_model(attack, iris_xy):
    X, y = iris_xy
    with pytest.raises(TypeError, match="linear scikit-learn classifier"):
        attack(SVC(kernel="linear").fit(X, y), X)


def test_minimal_perturbation_refuses_a_negative_overshoot(iris_model, iris_xy):
    X, _ = iris_xy
    with pytest.raises(ValueError, match="overshoot"):
        attacks.minimal_perturbation_linear(iris_model, X, overshoot=-0.1)


def test_minimal_perturbation_refuses_more_than_16_classes(iris_model):
    model = LogisticRegression().fit(np.arange(6.0).reshape(3, 2), [0, 1, 2])
    model.coef_ = np.random.default_rng(0).normal(size=(17, 2))
    model.intercept_ = np.zeros(17)
    model.classes_ = np.arange(17)
    with pytest.raises(ValueError, match="at most 16 classes; the model has 17"):
        attacks.minimal_perturbation_linear(model, [[1.0, 1.0]])


def test_minimal_linf_perturbation_reaches_the_border_and_nothing_smaller_flips(iris_model, iris_xy):
    X, _ = iris_xy
    result = attacks.minimal_linf_perturbation_linear(iris_model, X)
    np.testing.assert_allclose(result.norm, np.abs(result.delta).max(axis=1))
    scores = _scores(iris_model, X + result.delta)
    k_from = np.searchsorted(iris_model.classes_, iris_model.predict(X))
    k_to = np.searchsorted(iris_model.classes_, result.target)
    rows = np.arange(len(X))
    np.testing.assert_allclose(scores[rows, k_to], scores[rows, k_from], atol=1e-9)
    # Every corner of the L-infinity ball of 0.999 x that size keeps the prediction
    # (a linear score's extremes over a box are at its corners).
    corners = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]])
    for corner in corners:
        moved = X + 0.999 * result.norm[:, None] * corner
        np.testing.assert_array_equal(iris_model.predict(moved), iris_model.predict(X))
    flipped = attacks.minimal_linf_perturbation_linear(iris_model, X, overshoot=1e-6)
    np.testing.assert_array_equal(iris_model.predict(X + flipped.delta) != iris_model.predict(X), True)


def test_linf_step_shrinks_the_margin_by_eps_times_the_l1_norm():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 50))
    model = LogisticRegression().fit(X, np.arange(60) % 3)
    result = attacks.minimal_linf_perturbation_linear(model, X)
    W, b = linear_scores(model)
    c = np.searchsorted(model.classes_, model.predict(X))
    k = np.searchsorted(model.classes_, result.target)
    rows = np.arange(len(X))
    margin = (X @ W.T + b)[rows, c] - (X @ W.T + b)[rows, k]
    l1 = np.abs(W[c] - W[k]).sum(axis=1)
    np.testing.assert_allclose(result.norm, margin / l1, rtol=1e-12)


@pytest.mark.parametrize(
    "X, kwargs, message",
    [
        ([[1.0, 1.0]], {"overshoot": -1}, "overshoot"),
        (np.ones((2, 2, 2)), {}, "2-D array"),
        ([[0.5, 0.5]], {"clip": (1, 0)}, "clip must satisfy low < high"),
    ],
    ids=["negative overshoot", "3-D X", "reversed clip"],
)
def test_minimal_linf_perturbation_errors(iris_model, X, kwargs, message):
    with pytest.raises(ValueError, match=message):
        attacks.minimal_linf_perturbation_linear(iris_model, X, **kwargs)


def test_fools_along_rays_become_certain_far_from_every_flower(iris_model, iris_xy):
    X, y = iris_xy
    table = attacks.fools_along_rays(iris_model, X, y, [0, 10, 100, 1000], ("length", "width"))
    assert list(table.columns) == ["class", "travelled", "length", "width",
                                   "distance to nearest observation", "probability",
                                   "other classes"]
    assert len(table) == 12
    far = table[table["travelled"] == 1000]
    assert (far["distance to nearest observation"] > 990).all()
    assert (far["probability"] > 1 - 1e-12).all()
    for _, rows in table.groupby("class"):
        assert rows["other classes"].is_monotonic_decreasing
    np.testing.assert_allclose(table["probability"] + table["other classes"], 1.0, rtol=1e-12)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (lambda X, y: (X, y[:10], None), r"y must have shape \(150,\)"),
        (lambda X, y: (X[:100], y[:100], None), "no observation of class 'virginica'"),
        (lambda X, y: (X, y, ("length",)), "feature_names has 1 names but X has 2 features"),
    ],
    ids=["y shorter than X", "a class without observations", "too few feature names"],
)
def test_fools_along_rays_errors(iris_model, iris_xy, arguments, message):
    X, y, feature_names = arguments(*iris_xy)
    with pytest.raises(ValueError, match=message):
        attacks.fools_along_rays(iris_model, X, y, [1], feature_names=feature_names)


def _boxed_problem(seed):
    rng = np.random.default_rng(seed)
    X = rng.random((80, 12))
    y = (X[:, :3].sum(axis=1) > 1.5).astype(int) + (X[:, 3] > 0.7)
    return LogisticRegression(C=10).fit(X, y), X


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_boxed_linf_step_is_the_linear_programs_optimum(seed):
    model, X = _boxed_problem(seed)
    step = attacks.minimal_linf_perturbation_linear(model, X, clip=(0, 1))
    W, b = model.coef_, model.intercept_
    for row in range(0, 80, 9):
        c = int(np.argmax(X[row] @ W.T + b))
        for k in range(3):
            if k == c:
                continue
            # minimise eps s.t. (w_c - w_k).(x + d) + b_c - b_k <= 0, |d_i| <= eps, 0 <= x + d <= 1
            n = X.shape[1]
            d_w = W[c] - W[k]
            cost = np.r_[np.zeros(n), 1.0]
            A = [np.r_[d_w, 0.0]]
            rhs = [-(d_w @ X[row] + b[c] - b[k])]
            for i in range(n):
                unit = np.eye(n)[i]
                A += [np.r_[unit, -1.0], np.r_[-unit, -1.0]]
                rhs += [0.0, 0.0]
            bounds = [(-X[row, i], 1 - X[row, i]) for i in range(n)] + [(0, None)]
            lp = linprog(cost, A_ub=np.array(A), b_ub=np.array(rhs), bounds=bounds, method="highs")
            expected = lp.fun if lp.status == 0 else np.inf
            assert step.distances[row, k] == pytest.approx(expected, rel=1e-7, abs=1e-9)


def test_boxed_linf_step_stays_in_the_box_and_flips(seed=0):
    model, X = _boxed_problem(seed)
    step = attacks.minimal_linf_perturbation_linear(model, X, overshoot=1e-6, clip=(0, 1))
    moved = X + step.delta
    assert moved.min() >= 0 and moved.max() <= 1
    reachable = np.isfinite(step.norm)
    assert reachable.any()
    assert np.all(model.predict(moved[reachable]) != model.predict(X[reachable]))
    free = attacks.minimal_linf_perturbation_linear(model, X)
    assert np.all(step.norm >= free.norm - 1e-12)  # the box can only make flipping harder


def test_boxed_linf_step_refuses_points_outside_the_box():
    model, X = _boxed_problem(0)
    with pytest.raises(ValueError, match="outside clip"):
        attacks.minimal_linf_perturbation_linear(model, X + 2, clip=(0, 1))


def test_step_by_feature_count_shrinks_and_ends_at_the_full_step():
    model, X = _boxed_problem(1)
    eps = attacks.linf_step_by_feature_count(model, X, [1, 3, 6, 12])
    assert eps.shape == (80, 4)
    assert np.all(np.diff(eps, axis=1) <= 1e-15)  # more features, smaller change each
    np.testing.assert_allclose(eps[:, -1], attacks.minimal_linf_perturbation_linear(model, X).norm)


def test_step_by_feature_count_flips_with_only_those_features():
    model, X = _boxed_problem(2)
    eps = attacks.linf_step_by_feature_count(model, X[:1], [3])[0, 0]
    W = model.coef_
    c = int(model.predict(X[:1])[0])
    best = None
    for k in set(range(3)) - {c}:
        d_w = W[c] - W[k]
        top = np.argsort(-np.abs(d_w))[:3]
        delta = np.zeros(12)
        delta[top] = -np.sign(d_w[top]) * eps * (1 + 1e-9)
        moved = X[0] + delta
        best = best or model.predict([moved])[0] != c
    assert best


@pytest.mark.parametrize("counts", [[0, 2], [13], [], [1.5]])
def test_step_by_feature_count_refuses_bad_counts(counts):
    model, X = _boxed_problem(0)
    with pytest.raises(ValueError, match="counts must"):
        attacks.linf_step_by_feature_count(model, X, counts)


def test_linf_minimum_of_an_identity_network_is_that_of_its_affine_map():
    from sklearn.neural_network import MLPClassifier

    from helpers import network

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(60, 5))
    y = rng.integers(3, size=60)
    net = MLPClassifier(hidden_layer_sizes=(4, 3), activation="identity", max_iter=2000,
                        random_state=0).fit(X, y)
    found = attacks.minimal_linf_perturbation_linear(net, X, clip=(0.0, 1.0))
    W, b = network.affine_head(net, 0)
    np.testing.assert_allclose(X @ W.T + b, gradients.logits(net, X), atol=1e-10)
    flipped = net.predict(X + found.delta * (1 + 1e-6))
    reachable = np.isfinite(found.norm)
    assert np.all(flipped[reachable] != net.predict(X)[reachable])
    smaller = net.predict(X + found.delta * (1 - 1e-3))
    assert np.all(smaller[reachable] == net.predict(X)[reachable])
