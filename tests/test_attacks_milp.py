"""helpers.attacks.milp: the exact smallest change that fools a ReLU network.

The MILP answer is checked against an independent brute force on tiny networks: every pattern of
hidden units on and off is a region where the network is affine, so the smallest change inside
that region is a linear program; the minimum over all patterns and classes is the answer.
"""

import itertools
import warnings

import numpy as np
import pytest
from scipy.optimize import linprog
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier

from helpers import attacks
from helpers.attacks import _milp_encoding as encoding
from helpers.attacks import _milp_search as milp_search
from helpers.attacks import milp

MARGIN = 1e-6


def _tiny_network(n_features: int, hidden: tuple[int, ...], n_classes: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(120, n_features))
    y = rng.integers(n_classes, size=120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=hidden, max_iter=300, random_state=seed)
        model.fit(X, y)
    return model, rng.uniform(0.1, 0.9, size=(4, n_features))


@pytest.fixture(scope="module", params=[(2, (8,), 3, 0), (3, (5, 4), 3, 1)],
                ids=["2-8-3", "3-5-4-3"])
def tiny(request):
    return _tiny_network(*request.param)


def _brute_force(model, x0, norm):
    """Smallest change over every activation pattern and class, each an LP (no bounds, no big-M)."""
    n = len(x0)
    W_out, b_out = model.coefs_[-1], model.intercepts_[-1]
    a = x0
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        a = np.maximum(a @ W + b, 0)
    predicted = int(np.argmax(a @ W_out + b_out))
    sizes = [W.shape[1] for W in model.coefs_[:-1]]
    best = np.inf
    for pattern in itertools.product([0, 1], repeat=sum(sizes)):
        masks = np.split(np.array(pattern, dtype=float), np.cumsum(sizes)[:-1])
        A, c = np.eye(n), np.zeros(n)  # the layer's input as A.T x + c
        sign_rows, sign_rhs = [], []
        for W, b, mask in zip(model.coefs_[:-1], model.intercepts_[:-1], masks):
            Z_A, Z_c = A @ W, c @ W + b  # pre-activation = Z_A.T x + Z_c
            # on: z >= 0 -> -z <= 0; off: z <= 0
            sign = np.where(mask > 0, -1.0, 1.0)
            sign_rows.append((Z_A * sign).T)
            sign_rhs.append(-Z_c * sign)
            A, c = Z_A * mask, Z_c * mask
        S_A, S_c = A @ W_out, c @ W_out + b_out
        for t in range(W_out.shape[1]):
            if t == predicted:
                continue
            # margin: S_t - S_pred >= MARGIN  ->  -(S_A_t - S_A_p) x <= S_c_t - S_c_p - MARGIN
            target_row = -(S_A[:, t] - S_A[:, predicted])
            target_rhs = S_c[t] - S_c[predicted] - MARGIN
            rows = np.vstack(sign_rows + [target_row[None, :]])
            rhs = np.concatenate(sign_rhs + [[target_rhs]])
            if norm == "inf":  # variables x, eps
                A_ub = np.vstack([np.hstack([rows, np.zeros((len(rows), 1))]),
                                  np.hstack([np.eye(n), -np.ones((n, 1))]),
                                  np.hstack([-np.eye(n), -np.ones((n, 1))])])
                b_ub = np.concatenate([rhs, x0, -x0])
                cost = np.r_[np.zeros(n), 1.0]
                bounds = [(0, 1)] * n + [(0, None)]
            else:  # variables x, t
                A_ub = np.vstack([np.hstack([rows, np.zeros((len(rows), n))]),
                                  np.hstack([np.eye(n), -np.eye(n)]),
                                  np.hstack([-np.eye(n), -np.eye(n)])])
                b_ub = np.concatenate([rhs, x0, -x0])
                cost = np.r_[np.zeros(n), np.ones(n)]
                bounds = [(0, 1)] * n + [(0, None)] * n
            found = linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
            if found.status == 0:
                best = min(best, found.fun)
    return best


@pytest.mark.parametrize("norm", [np.inf, 1])
def test_matches_brute_force_on_tiny_networks(tiny, norm):
    model, X = tiny
    X = X[:1]  # every pattern is an LP: up to 2**9 patterns times 2 classes
    found = attacks.minimal_perturbation_relu(model, X, norm=norm, upper_bound=np.inf)
    assert np.all(found.optimal)
    expected = np.array([_brute_force(model, x0, "inf" if np.isinf(norm) else "1") for x0 in X])
    np.testing.assert_allclose(found.eps, expected, rtol=1e-4, atol=1e-7)  # the solver's gap


def test_the_changed_rows_are_misclassified_within_eps(tiny):
    model, X = tiny
    found = attacks.minimal_perturbation_relu(model, X)
    assert np.all(model.predict(found.x_adv) != model.predict(X))
    np.testing.assert_array_equal(model.predict(found.x_adv), found.target)
    assert np.all(np.abs(found.x_adv - X).max(axis=1) <= found.eps + 1e-12)
    assert np.all((found.x_adv >= 0) & (found.x_adv <= 1))
    assert np.all(found.lower_bound <= found.eps)
    assert np.all(found.lower_bound >= found.eps * (1 - 1e-4))


@pytest.mark.parametrize("norm", [np.inf, 1])
def test_nothing_smaller_fools_the_network(tiny, norm):
    model, X = tiny
    found = attacks.minimal_perturbation_relu(model, X, norm=norm)
    below = attacks.adversarial_within_relu(model, X, (1 - 1e-4) * found.eps, norm=norm)
    at = attacks.adversarial_within_relu(model, X, found.eps * (1 + 1e-6), norm=norm)
    assert list(below) == ["none"] * len(X)
    assert list(at) == ["adversarial"] * len(X)


@pytest.mark.parametrize("bounds", milp.BOUND_METHODS)
@pytest.mark.parametrize("formulation", milp.FORMULATIONS)
def test_every_option_gives_the_same_minimum(tiny, bounds, formulation):
    model, X = tiny
    reference = attacks.minimal_perturbation_relu(model, X)
    found = attacks.minimal_perturbation_relu(model, X, bounds=bounds, formulation=formulation)
    np.testing.assert_allclose(found.eps, reference.eps, rtol=2e-4)


def test_the_attack_bound_is_only_a_starting_box(tiny):
    model, X = tiny
    reference = attacks.minimal_perturbation_relu(model, X, upper_bound=np.inf)
    too_small = attacks.minimal_perturbation_relu(model, X, upper_bound=reference.eps / 2)
    np.testing.assert_allclose(too_small.eps, reference.eps, rtol=2e-4)


def test_a_time_limit_is_never_reported_as_exact(tiny):
    model, X = tiny
    found = attacks.minimal_perturbation_relu(model, X[:1], upper_bound=np.inf, bounds="interval",
                                              time_limit=1e-9)
    assert found.status[0] == "time limit"
    assert not found.optimal[0]


def test_an_unreachable_class_is_no_adversarial():
    model, X = _tiny_network(2, (8,), 3, 0)
    model.intercepts_[-1] = np.array([1e3, 0.0, 0.0])  # class 0 wins everywhere in the box
    found = attacks.minimal_perturbation_relu(model, X[:1], upper_bound=np.inf)
    assert found.status[0] == "no adversarial"
    assert np.isinf(found.eps[0])


def test_only_units_of_open_sign_get_variables(tiny):
    """Units of fixed sign are folded into the next layer: x, eps, then z, a, d per open unit."""
    model, X = tiny
    region = encoding.Region(X[0], "inf", 0.0, 0.2, (0.0, 1.0))
    lows, highs = encoding.hidden_bounds(model, region, "interval")
    program, last, eps, n_binaries, *_ = region.encode(model, lows, highs, len(lows))
    n_open = sum(int(np.sum((lo < 0) & (hi > 0))) for lo, hi in zip(lows, highs))
    assert 0 < n_open < sum(len(lo) for lo in lows)  # some units folded, some open
    assert n_binaries == n_open
    assert program.n_columns == X.shape[1] + 1 + 3 * n_open
    # the last layer's activations, as the program's affine function, match the network's
    a = X[0]
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        a = np.maximum(a @ W + b, 0.0)
    assert last.matrix.shape == (len(a), len(last.columns))
    values = np.zeros(program.n_columns)
    values[:X.shape[1]] = X[0]  # x at x0; each open unit's a at its value there
    start = X.shape[1] + 1
    h = X[0]
    for lo, hi, W, b in zip(lows, highs, model.coefs_[:-1], model.intercepts_[:-1]):
        h = np.maximum(h @ W + b, 0.0)
        open_ = np.flatnonzero((lo < 0) & (hi > 0))
        values[start + len(open_) + np.arange(len(open_))] = h[open_]
        start += 3 * len(open_)
    np.testing.assert_allclose(last.matrix @ values[last.columns] + last.offset, a, atol=1e-12)


def _forward(model, X):
    """Every hidden layer's pre-activations of the rows X, and the logits."""
    pre, a = [], X
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        pre.append(a @ W + b)
        a = np.maximum(pre[-1], 0.0)
    W_out, b_out = encoding._output_weights(model)
    return pre, a @ W_out + b_out


def _changes_reaching(model, region, target, n_samples=20000, seed=0):
    """Random points of the region's box (and its corners' mix) whose logit of ``target``
    exceeds the predicted class's by the margin; their pre-activations per layer."""
    rng = np.random.default_rng(seed)
    low, high = region.box
    points = low + (high - low) * rng.uniform(size=(n_samples, len(low)))
    corners = low + (high - low) * rng.integers(2, size=(n_samples, len(low)))
    points = np.vstack([points, corners])
    pre, logits = _forward(model, points)
    predicted = int(np.argmax(_forward(model, region.x0[None, :])[1]))
    reaching = logits[:, target] - logits[:, predicted] >= MARGIN
    return [p[reaching] for p in pre], int(reaching.sum())


def test_bounds_for_one_class_hold_for_every_change_reaching_it(tiny):
    """The bounds tightened with a class's logit condition: every sampled change that reaches
    the class lies within them, and they fix the sign of more units than the bounds over the
    whole box (so the check is not vacuous)."""
    model, X = tiny
    n_fixed_more, n_checked = 0, 0
    for x0 in X:
        exact = attacks.minimal_perturbation_relu(model, x0[None, :], upper_bound=np.inf)
        region = encoding.Region(x0, "inf", 0.0, 1.5 * exact.eps[0], (0.0, 1.0))
        network = encoding.network_program(model, region, "lp", MARGIN)
        for target in network.targets:
            pre, n_reaching = _changes_reaching(model, region, target)
            bounds = encoding._bounds_reaching(model, region, network, target, MARGIN)
            if bounds is None:
                assert n_reaching == 0
                continue
            for values, lo, hi in zip(pre, *bounds):
                assert np.all(values >= lo - 1e-7) and np.all(values <= hi + 1e-7)
            n_checked += n_reaching
            n_fixed_more += encoding._count_open(network.lows, network.highs) - \
                encoding._count_open(*bounds)
    assert n_checked > 0
    assert n_fixed_more > 0


def test_a_class_no_change_in_the_box_reaches_is_ruled_out_by_its_bounds(tiny):
    """Inside a box smaller than the exact minimum nothing reaches any class; where the
    intervals still leave a class reachable, the bounds for that class rule it out."""
    model, X = tiny
    answers = []
    for x0 in X:
        exact = attacks.minimal_perturbation_relu(model, x0[None, :], upper_bound=np.inf)
        region = encoding.Region(x0, "inf", 0.0, 0.9 * exact.eps[0], (0.0, 1.0))
        network = encoding.network_program(model, region, "interval", MARGIN)
        answers += [encoding._bounds_reaching(model, region, network, t, MARGIN)
                    for t in network.targets]
    assert answers  # the intervals alone left some class reachable
    assert sum(answer is None for answer in answers) > 0


def _fake_solver(monkeypatch, answers):
    """Replace one program's solve by ``answers[margin]`` (status, eps, lower bound); record the
    margins asked for."""
    margins = []

    def _solve_row(model, x0, region, method, formulation, margin, mip_rel_gap, known=None):
        margins.append(margin)
        status, eps, lower = answers(margin)
        return {"eps": eps, "x_adv": x0, "target": 1, "status": status, "lower_bound": lower,
                "upper_bound": eps, "solve_time": 1.0, "n_binaries": 3}

    monkeypatch.setattr(milp_search, "_solve_row", _solve_row)
    return margins


def _search(x0, eps_high=0.5):
    region = encoding.Region(x0, "inf", 0.0, eps_high, (0.0, 1.0))
    return milp_search.search_row(None, x0, region, "lp", "disjunction", 60.0, MARGIN, 1e-4)


def test_a_change_the_network_does_not_misclassify_is_searched_again_with_a_larger_margin(
        monkeypatch):
    margins = _fake_solver(monkeypatch, lambda margin: ("unverified", 0.2, 0.2) if margin < 5e-6
                           else ("optimal", 0.2000001, 0.2000001))
    found = _search(np.full(3, 0.5))
    assert margins == pytest.approx([MARGIN, 10 * MARGIN])
    assert found["status"] == "optimal"
    assert found["eps"] == 0.2000001 and found["lower_bound"] == 0.2  # the first proof holds
    assert 0 < found["solve_time"] < 1.0  # the row's own time, not the fake programs' sum


def test_a_change_never_verified_is_not_reported_as_exact(monkeypatch):
    margins = _fake_solver(monkeypatch, lambda margin: ("unverified", 0.2, 0.2))
    found = _search(np.full(3, 0.5))
    assert len(margins) == 1 + milp_search.MARGIN_RETRIES
    assert found["status"] == "unverified"


def test_a_verified_change_outside_the_gap_of_the_first_proof_is_not_exact(monkeypatch):
    _fake_solver(monkeypatch, lambda margin: ("unverified", 0.2, 0.2) if margin < 5e-6
                 else ("optimal", 0.21, 0.21))
    found = _search(np.full(3, 0.5))
    assert found["status"] == "time limit"
    assert found["lower_bound"] == 0.2 and found["eps"] == 0.21


# --- Bad inputs: one test per case -------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    return _tiny_network(2, (8,), 3, 0)


def test_rejects_a_network_that_is_not_relu(small):
    _, X = small
    tanh = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        tanh.fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="activation='relu'"):
        attacks.minimal_perturbation_relu(tanh, X)


def test_rejects_an_unfitted_network(small):
    _, X = small
    with pytest.raises(NotFittedError, match="fit"):
        attacks.minimal_perturbation_relu(MLPClassifier(), X)


def test_rejects_a_model_that_is_not_a_network(small):
    _, X = small
    with pytest.raises(TypeError, match="MLPClassifier"):
        attacks.minimal_perturbation_relu(object(), X)


def test_rejects_rows_outside_the_box(small):
    model, X = small
    with pytest.raises(ValueError, match="outside clip"):
        attacks.minimal_perturbation_relu(model, X + 1.0)


def test_rejects_reversed_bounds(small):
    model, X = small
    with pytest.raises(ValueError, match="reversed"):
        attacks.minimal_perturbation_relu(model, X, lower_bound=0.5, upper_bound=0.1)


def test_rejects_a_negative_bound(small):
    model, X = small
    with pytest.raises(ValueError, match="lower_bound must be >= 0"):
        attacks.minimal_perturbation_relu(model, X, lower_bound=-0.1)


def test_rejects_the_l2_norm_with_the_reason(small):
    model, X = small
    with pytest.raises(ValueError, match="quadratic"):
        attacks.minimal_perturbation_relu(model, X, norm=2)


def test_rejects_an_unknown_norm(small):
    model, X = small
    with pytest.raises(ValueError, match="unknown norm"):
        attacks.minimal_perturbation_relu(model, X, norm="max")


def test_rejects_an_unknown_formulation(small):
    model, X = small
    with pytest.raises(ValueError, match="formulation must be one of"):
        attacks.minimal_perturbation_relu(model, X, formulation="magic")


def test_rejects_an_unknown_bound_method(small):
    model, X = small
    with pytest.raises(ValueError, match="bounds must be one of"):
        attacks.minimal_perturbation_relu(model, X, bounds="exact")


def test_rejects_a_time_limit_that_is_not_positive(small):
    model, X = small
    with pytest.raises(ValueError, match="time_limit must be a finite number > 0"):
        attacks.minimal_perturbation_relu(model, X, time_limit=0)


def test_rejects_rows_of_the_wrong_width(small):
    model, X = small
    with pytest.raises(ValueError, match="features"):
        attacks.minimal_perturbation_relu(model, np.hstack([X, X]))


def test_feasibility_rejects_a_negative_eps(small):
    model, X = small
    with pytest.raises(ValueError, match="eps must be >= 0"):
        attacks.adversarial_within_relu(model, X, -0.1)


# --- The L1 region, the known change, the time limit ----------------------------------------


def test_the_first_layer_bounds_over_an_l1_ball_are_exact():
    """The fractional knapsack gives each unit's smallest and largest pre-activation over the
    L1 ball cut to the box: the same as a linear program, and reached."""
    rng = np.random.default_rng(0)
    n, m = 6, 5
    W, b = rng.normal(size=(n, m)), rng.normal(size=m)
    x0 = rng.uniform(size=n)
    low, high = np.zeros(n), np.ones(n)
    for radius in (0.05, 0.7, 3.0, 10.0):
        lo, hi = encoding._l1_ball_range(W, b, x0, radius, low, high)
        for j in range(m):
            for sign, bound in ((1, lo[j]), (-1, hi[j])):
                # variables p, m >= 0: x = x0 + p - m, sum(p + m) <= radius, inside the box
                found = linprog(sign * np.r_[W[:, j], -W[:, j]], A_ub=np.ones((1, 2 * n)),
                                b_ub=[radius], bounds=[(0, 1 - v) for v in x0] +
                                [(0, v) for v in x0], method="highs")
                assert sign * found.fun + W[:, j] @ x0 + b[j] == pytest.approx(bound, abs=1e-9)


def test_a_known_fooling_change_starts_the_search_and_is_refined_in_its_region(tiny):
    model, X = tiny
    exact = attacks.minimal_perturbation_relu(model, X, upper_bound=np.inf)
    pushed = np.clip(exact.x_adv + 0.5 * (exact.x_adv - X), 0, 1)  # further, still fooling
    assert np.all(model.predict(pushed) != model.predict(X))
    for x0, x_fooling, eps in zip(X, pushed, exact.eps):
        closer = encoding.region_minimum(model, x0, x_fooling, "inf", (0.0, 1.0), MARGIN, 10.0)
        assert model.predict(closer[None])[0] != model.predict(x0[None])[0]
        size = np.abs(closer - x0).max()
        assert eps * (1 - 1e-4) <= size <= np.abs(x_fooling - x0).max() + 1e-12
    found = attacks.minimal_perturbation_relu(model, X, x_fooling=pushed)
    np.testing.assert_allclose(found.eps, exact.eps, rtol=2e-4)


def test_a_poor_known_change_still_gives_the_brute_force_minimum(tiny, monkeypatch):
    """The known change's size only caps the search: the feasibility program just below it
    finds the classes reached by smaller changes, whose smallest change is then solved for."""
    model, X = tiny
    X = X[:1]
    exact = attacks.minimal_perturbation_relu(model, X, upper_bound=np.inf)
    far = np.clip(exact.x_adv + 2.0 * (exact.x_adv - X), 0, 1)
    assert model.predict(far)[0] != model.predict(X)[0]
    assert np.abs(far - X).max() > 2 * exact.eps[0]
    monkeypatch.setattr(milp_search, "region_minimum", lambda *args: None)  # keep it poor
    found = attacks.minimal_perturbation_relu(model, X, x_fooling=far)
    assert found.optimal[0]
    np.testing.assert_allclose(found.eps[0], _brute_force(model, X[0], "inf"), rtol=1e-4,
                               atol=1e-7)


def test_a_known_change_that_is_the_minimum_is_proven_by_feasibility_alone(tiny):
    """Given the exact minimum as the known change, every class is settled by the feasibility
    program just below its size: the answer is that change, its lower bound within the gap."""
    model, X = tiny
    exact = attacks.minimal_perturbation_relu(model, X, upper_bound=np.inf)
    found = attacks.minimal_perturbation_relu(model, X, x_fooling=exact.x_adv)
    assert np.all(found.optimal)
    np.testing.assert_allclose(found.eps, exact.eps, rtol=2e-4)
    assert np.all(found.lower_bound >= found.eps * (1 - 1e-4))


def test_x_fooling_rows_must_match_x(small):
    model, X = small
    with pytest.raises(ValueError, match="shape of X"):
        attacks.minimal_perturbation_relu(model, X, x_fooling=X[:1])
    half = X.copy()
    half[0, 0] = np.nan
    with pytest.raises(ValueError, match="partly NaN"):
        attacks.minimal_perturbation_relu(model, X, x_fooling=half)
    with pytest.raises(ValueError, match="outside clip"):
        attacks.minimal_perturbation_relu(model, X, x_fooling=X + 2.0)


@pytest.fixture(scope="module")
def standard_ten():
    """The series' 10-class standard network and a test digit whose exact minimum takes it
    tens of seconds (L-infinity and L1), the hardest of the benchmark's first twenty."""
    from helpers import data, models
    X, y = data.load_mnist_digits(digits=tuple(range(10)))
    X_train, X_test, y_train, _ = data.split_digits(X, y, test_size=0.25, random_state=0)
    return models.mnist_standard_network().fit(X_train, y_train), X_test[[698]]


@pytest.mark.parametrize("norm", [np.inf, 1])
def test_the_time_limit_holds_and_keeps_the_best_known_change(standard_ten, norm):
    """A short limit on a hard row: the row's time (refinement, bounds, programs) stays within
    1.1 times the limit, and the row keeps the attack's fooling change as its upper bound
    rather than reporting no change at all."""
    model, x = standard_ten
    found = attacks.minimal_perturbation_relu(model, x, norm=norm, time_limit=3.0)
    assert found.status[0] == "time limit" and not found.optimal[0]
    assert found.solve_time[0] <= 1.1 * 3.0
    assert np.isfinite(found.eps[0]) and found.upper_bound[0] == found.eps[0]
    assert model.predict(found.x_adv)[0] != model.predict(x)[0]
    change = np.abs(found.x_adv[0] - x[0])
    assert (change.max() if np.isinf(norm) else change.sum()) == pytest.approx(found.eps[0])
    assert 0 <= found.lower_bound[0] <= found.eps[0]
