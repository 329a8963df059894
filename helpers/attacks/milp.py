"""The exact smallest change that fools a ReLU network, by mixed-integer linear programming.

A ReLU network is linear wherever no hidden unit changes sign, so "is there an ``x'`` within
``eps`` of ``x``, inside the pixel box, that the network classifies as another class?" is a
mixed-integer linear program: one binary variable per hidden unit that may change sign, and
linear constraints for everything else (Tjeng, Xiao and Tedrake, "Evaluating robustness of
neural networks with mixed integer programming", ICLR 2019: MIPVerify, solved there with
Gurobi). Here the open-source solver HiGHS solves it, through ``scipy.optimize.milp``.

The encoding follows MIPVerify:

1. The search box: the pixel box cut to the ball of radius ``eps_high`` around ``x``, where
   ``eps_high`` is a size at which an attack (PGD) already fooled the network, so the answer is
   at most that and most units keep one sign inside the box.
2. Bounds ``l <= z <= u`` on every hidden unit's pre-activation ``z`` over the box: interval
   arithmetic, then, layer by layer, the smallest and largest ``z`` of each unit that the
   intervals leave undecided over the linear-programming (LP) relaxation of the layers below.
3. A unit with ``l >= 0`` is always on (``a = z``), one with ``u <= 0`` always off (``a = 0``);
   only the others get a binary ``d`` and the big-M constraints
   ``a >= z, a >= 0, a <= u d, a <= z - l (1 - d)``, exact for ``d`` in {0, 1}. A unit of
   fixed sign gets no variable at all: its activation is an affine function of the input and
   of the open units below, carried into the next layer (the network collapsed wherever it
   is linear), so the program has one dense row per open unit rather than one per unit.
4. One program per other class (the default): only the changes that reach that class matter
   to it, so the bounds of its units are tightened again by LP with the row
   "``logit_class - logit_predicted >= margin``" added, round after round over the relaxation
   of the bounds found before, until a round fixes no further unit's sign. More units get a
   fixed sign, fewer binaries are left, and a class that no change in the box reaches is ruled
   out by LP alone. The classes are solved in turn, the likeliest first, each capped by the
   best size found so far.

The L-infinity and L1 norms of the change keep the program linear. L2 would make the objective
quadratic, which HiGHS (``scipy.optimize.milp``) does not solve as a mixed-integer program, so it
is not offered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.neural_network import MLPClassifier

from helpers import gradients
from helpers._validation import check_features, check_range
from helpers.attacks._checks import _as_row_values, _check_choice, _check_in_box, _check_positive
from helpers.attacks._milp_encoding import (_add_target_row, _network_program, _program_reaching,
                                            _Region)
from helpers.attacks.evaluate import smallest_pgd
from helpers.network import check_network

#: The norms of the change the exact search handles (both keep the program linear).
EXACT_NORMS: tuple[str, str] = ("inf", "1")
#: How the pre-activation bounds are computed: interval arithmetic, then LP ("lp"), or alone.
BOUND_METHODS: tuple[str, str] = ("lp", "interval")
#: How the other class is chosen: one program per class, or one program with a disjunction.
FORMULATIONS: tuple[str, str] = ("per target", "disjunction")
#: How often a row whose change the network does not misclassify is searched for again, each
#: time with ten times the margin.
MARGIN_RETRIES: int = 2

@dataclass(frozen=True)
class ExactMinimum:
    """The exact smallest change that makes a ReLU network predict another class, per row.

    Attributes
    ----------
    norm : str
        ``"inf"`` or ``"1"``: the norm in which ``eps`` measures the change.
    eps : ndarray of shape (n_samples,)
        The smallest size of a fooling change: proven where ``status`` is ``"optimal"`` (to the
        relative gap ``mip_rel_gap``), otherwise the best found (``inf`` if none).
    x_adv : ndarray of shape (n_samples, n_features)
        A changed row of size ``eps``, inside the pixel box, that the network classifies as
        ``target``; NaN where none was found.
    target : ndarray of shape (n_samples,), dtype object
        The class predicted at ``x_adv`` (None where none was found).
    status : ndarray of shape (n_samples,), dtype object
        ``"optimal"``: ``eps`` is proven minimal. ``"time limit"``: the solver stopped first
        (or, rarely, the change verified with a larger margin is not within the gap of the
        first proof); ``eps`` is only an upper bound and ``lower_bound`` what is proven — never
        an exact answer. ``"no adversarial"``: proven that nothing in the pixel box fools the network.
        ``"unverified"``: the solver's ``x_adv`` is not misclassified when the network itself
        predicts it (the solver's tolerances exceeded ``margin``), also after searching again
        with larger margins; not an exact answer either.
    lower_bound, upper_bound : ndarray of shape (n_samples,)
        The smallest fooling change lies between them: the lower bound is the solver's proof,
        the upper bound the size of ``x_adv`` or, where the time ran out first, the
        ``upper_bound`` the search started from (an attack's size), if smaller.
    solve_time : ndarray of shape (n_samples,)
        Wall time per row in seconds (bounds and every program).
    n_binaries : ndarray of shape (n_samples,), dtype int
        Hidden units whose sign the bounds left open: one binary variable each (with one
        program per class, the most that any of the row's programs needed).
    """

    norm: str
    eps: np.ndarray
    x_adv: np.ndarray
    target: np.ndarray
    status: np.ndarray
    lower_bound: np.ndarray
    upper_bound: np.ndarray
    solve_time: np.ndarray
    n_binaries: np.ndarray

    @property
    def optimal(self) -> np.ndarray:
        """Boolean array of shape (n_samples,): rows whose ``eps`` is proven minimal."""
        return self.status == "optimal"


# --- Checks ---------------------------------------------------------------------------------


def _check_relu_network(model: Any) -> MLPClassifier:
    check_network(model)
    if model.activation != "relu":
        raise ValueError(
            f"the exact search encodes ReLU units; this network uses activation="
            f"{model.activation!r}. Fit an MLPClassifier with activation='relu' "
            "(for example helpers.models.mnist_relu_network())."
        )
    return model


def _check_exact_norm(norm: Any) -> str:
    key = "inf" if (isinstance(norm, (int, float)) and np.isinf(norm)) else str(norm)
    key = {"1.0": "1"}.get(key, key)
    if key == "2" or key == "2.0":
        raise ValueError(
            "the L2 minimum is a mixed-integer quadratic program, which scipy.optimize.milp "
            "(HiGHS) does not solve; use norm=np.inf or norm=1."
        )
    if key not in EXACT_NORMS:
        raise ValueError(f"unknown norm {norm!r}; use np.inf (L-infinity) or 1 (L1).")
    return key


def _solve_row(model: MLPClassifier, x0: np.ndarray, region: _Region, method: str,
               formulation: str, time_limit: float, margin: float, mip_rel_gap: float) -> dict:
    """The exact search for one row; a dict of the :class:`ExactMinimum` fields."""
    start = time.perf_counter()
    predicted = int(gradients.logits(model, x0[None, :]).argmax())
    network = _network_program(model, region, method, margin,
                               with_size=formulation == "disjunction")
    n = len(x0)
    n_binaries = network.n_binaries
    best = {"eps": np.inf, "x": None}
    lower_bounds: list[float] = []
    timed_out = False

    def remaining() -> float:
        return time_limit - (time.perf_counter() - start)

    def record(result, cap: float) -> None:
        nonlocal timed_out
        if result.status == 2:  # nothing of size <= cap reaches this target
            lower_bounds.append(cap)
            return
        dual = result.mip_dual_bound if result.mip_dual_bound is not None else result.fun
        if result.status == 0:
            lower_bounds.append(min(dual, result.fun))
        else:
            timed_out = True
            lower_bounds.append(dual if dual is not None and np.isfinite(dual) else 0.0)
        if result.x is not None and result.fun < best["eps"]:
            best["eps"], best["x"] = result.fun, result.x[:n]

    if formulation == "per target":
        # the likeliest target first (largest reachable margin): its answer caps the others
        n_binaries = 0
        for t in network.targets:
            cap = min(best["eps"], region.eps_high)
            if remaining() <= 0:  # no time left for this class: nothing proven about it
                timed_out = True
                lower_bounds.append(region.eps_low)
                continue
            encoded = _program_reaching(model, region, network, t, method, margin)
            if encoded is None:  # no change in the box reaches this target
                lower_bounds.append(cap)
                continue
            n_binaries = max(n_binaries, encoded.n_binaries)
            trial, sizes = encoded.program, encoded.norm_columns
            trial.rows(np.ones((1, len(sizes))), sizes, -np.inf, cap)
            record(trial.solve(trial.objective(sizes, 1.0), True, remaining(), mip_rel_gap), cap)
    elif network.targets:
        trial, targets = network.program.copy(), network.targets
        s = trial.variables(np.zeros(len(targets)), np.ones(len(targets)), integer=True)
        trial.rows(np.ones((1, len(s))), s, 1.0, np.inf)
        columns = network.activations.columns
        for t, s_t in zip(targets, s):  # s_t = 1 forces logit_t - logit_predicted >= margin
            trial.rows(np.array([np.append(network.margins[t], network.d_low[t] - margin)]),
                       np.append(columns, s_t), network.d_low[t] - network.offsets[t], np.inf)
        record(trial.solve(trial.objective(network.norm_columns, 1.0), True, remaining(),
                           mip_rel_gap), region.eps_high)
    if not network.targets:
        lower_bounds.append(region.eps_high)
    elapsed = time.perf_counter() - start
    lower = min(lower_bounds) if lower_bounds else region.eps_high
    if best["x"] is None:
        status = "time limit" if timed_out else "no adversarial"
        return {"eps": np.inf, "x_adv": np.full(n, np.nan), "target": None, "status": status,
                "lower_bound": lower, "upper_bound": np.inf, "solve_time": elapsed,
                "n_binaries": n_binaries}
    low_box, high_box = region.box
    x_adv = np.clip(best["x"], low_box, high_box)
    change = np.abs(x_adv - x0)
    eps = change.max() if region.norm == "inf" else change.sum()
    new_class = int(gradients.logits(model, x_adv[None, :]).argmax())
    status = "time limit" if timed_out else "optimal"
    if new_class == predicted:  # within the solver's tolerances, but not for the network itself
        status = "unverified"
    return {"eps": eps, "x_adv": x_adv, "target": model.classes_[new_class],
            "status": status,
            "lower_bound": min(lower, eps), "upper_bound": eps, "solve_time": elapsed,
            "n_binaries": n_binaries}


def _search_row(model: MLPClassifier, x0: np.ndarray, region: _Region, method: str,
                formulation: str, time_limit: float, margin: float, mip_rel_gap: float) -> dict:
    """The exact search for one row, in the box of the attack's size (or, if that box holds no
    fooling change after all, in the whole pixel box).

    A change that the solver finds but the network does not misclassify (``"unverified"``: the
    solver's tolerances exceeded ``margin``) is searched for again with ten times the margin,
    up to :data:`MARGIN_RETRIES` times within the time limit. The first search's lower bound
    still holds (a larger margin only removes changes); the row is ``"optimal"`` when the
    verified change's size is within ``mip_rel_gap`` of it.
    """
    full = _full_radius(x0, region.norm, region.clip)
    # a little room beyond the attack's size: its change must stay feasible with the margin
    high = min(region.eps_high * (1 + 1e-3) + 1e-6, full)
    box = _Region(x0, region.norm, region.eps_low, high, region.clip)
    result = _solve_row(model, x0, box, method, formulation, time_limit, margin, mip_rel_gap)
    if result["status"] == "no adversarial" and high < full:
        box = _Region(x0, region.norm, region.eps_low, full, region.clip)
        result = _solve_after(result, model, x0, box, method, formulation, time_limit, margin,
                              mip_rel_gap)
    lower = result["lower_bound"]
    for _ in range(MARGIN_RETRIES):
        if result["status"] != "unverified" or result["solve_time"] >= time_limit:
            break
        margin *= 10.0
        result = _solve_after(result, model, x0, box, method, formulation, time_limit, margin,
                              mip_rel_gap)
        result["lower_bound"] = lower = min(lower, result["lower_bound"])
        if result["status"] == "optimal" and result["eps"] - lower > mip_rel_gap * result["eps"]:
            result["status"] = "time limit"  # verified, but not proven within the gap
    if result["status"] == "time limit":  # what the attack found still holds
        result["upper_bound"] = min(result["upper_bound"], region.eps_high)
    return result


def _solve_after(previous: dict, model: MLPClassifier, x0: np.ndarray, region: _Region,
                 method: str, formulation: str, time_limit: float, margin: float,
                 mip_rel_gap: float) -> dict:
    """:func:`_solve_row` with the time ``previous`` left, its time added to the result's."""
    spent = previous["solve_time"]
    result = _solve_row(model, x0, region, method, formulation, max(time_limit - spent, 1e-3),
                        margin, mip_rel_gap)
    result["solve_time"] += spent
    return result


def adversarial_within_relu(
    model: MLPClassifier,
    X: Any,
    eps: Any,
    norm: Any = np.inf,
    bounds: str = "lp",
    time_limit: float = 60.0,
    margin: float = 1e-6,
    clip: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """Whether any change of size at most ``eps`` fools a ReLU network, decided by MILP.

    A feasibility program per other class (no objective): is there an ``x'`` inside ``clip``
    with ``||x' - x|| <= eps`` whose logit for that class exceeds the predicted class's by at
    least ``margin``? The same encoding as :func:`minimal_perturbation_relu`, with the box of
    radius ``eps``.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, ``activation="relu"``.
    X : array-like of shape (n_samples, n_features)
    eps : float or array-like of shape (n_samples,)
        Size of the change, >= 0.
    norm : {np.inf, 1}, default np.inf
    bounds : {"lp", "interval"}, default "lp"
    time_limit : float, default 60
        Seconds per row.
    margin : float, default 1e-6
    clip : (low, high), default (0, 1)

    Returns
    -------
    ndarray of shape (n_samples,), dtype object
        ``"adversarial"`` (a fooling change exists, found and checked with the network),
        ``"none"`` (proven: no change of that size fools it) or ``"time limit"`` (undecided).

    Raises
    ------
    ValueError, TypeError, sklearn.exceptions.NotFittedError
        As :func:`minimal_perturbation_relu`, and if ``eps`` is negative.
    """
    _check_relu_network(model)
    norm = _check_exact_norm(norm)
    clip = check_range(clip, "clip")
    X = check_features(X, n_features=model.coefs_[0].shape[0], allow_1d=True)
    _check_in_box(X, clip)
    bounds = _check_choice(bounds, BOUND_METHODS, "bounds")
    time_limit = _check_positive(time_limit, "time_limit")
    margin = _check_positive(margin, "margin")
    sizes = _as_row_values(eps, len(X), "eps")
    answers = []
    for x0, size in zip(X, sizes):
        start = time.perf_counter()
        network = _network_program(model, _Region(x0, norm, 0.0, float(size), clip), bounds,
                                   margin)
        answer = "none"
        for t in network.targets:
            trial = network.program.copy()
            _add_target_row(trial, network.activations, network.logit_margin, t, margin)
            left = time_limit - (time.perf_counter() - start)
            found = trial.solve(np.zeros(trial.n_columns), True, left)
            if found.status == 0:
                x_adv = np.clip(found.x[:len(x0)], *clip)
                fooled = gradients.logits(model, x_adv[None, :]).argmax() != \
                    gradients.logits(model, x0[None, :]).argmax()
                answer = "adversarial" if fooled else "time limit"
                break
            if found.status != 2:
                answer = "time limit"
                break
        answers.append(answer)
    return np.array(answers, dtype=object)


def _attack_sizes(model: MLPClassifier, X: np.ndarray, labels: np.ndarray, norm: str,
                  clip: tuple[float, float]) -> np.ndarray:
    """Per row, the smaller size of two PGD searches (log-loss, and surrogate margin)."""
    sizes = np.full(len(X), np.inf)
    for loss in ("log-loss", "surrogate margin"):
        found = smallest_pgd(model, X, labels, clip=clip, loss=loss)
        size = np.abs(found.delta)
        size = size.max(axis=1) if norm == "inf" else size.sum(axis=1)
        sizes = np.minimum(sizes, np.where(found.fooled, size, np.inf))
    return sizes


def _full_radius(x0: np.ndarray, norm: str, clip: tuple[float, float]) -> float:
    """A radius whose ball contains the whole box ``clip``."""
    reach = np.maximum(x0 - clip[0], clip[1] - x0)
    return float(reach.max() if norm == "inf" else reach.sum())


def minimal_perturbation_relu(
    model: MLPClassifier,
    X: Any,
    norm: Any = np.inf,
    upper_bound: Any = None,
    lower_bound: Any = 0.0,
    bounds: str = "lp",
    formulation: str = "per target",
    time_limit: float = 60.0,
    margin: float = 1e-6,
    mip_rel_gap: float = 1e-4,
    clip: tuple[float, float] = (0.0, 1.0),
) -> ExactMinimum:
    """Exact smallest change (L-infinity or L1) that makes a ReLU network predict another class.

    For each row ``x``: the smallest ``eps`` such that some ``x'`` with ``||x' - x|| <= eps`` and
    ``clip[0] <= x' <= clip[1]`` gets a logit of another class at least ``margin`` above the
    logit of the class predicted at ``x`` — so ``x'`` is classified as another class. Solved to
    proven optimality by mixed-integer linear programming (MIPVerify's encoding, HiGHS through
    ``scipy.optimize.milp``; see the module's docstring), unless ``time_limit`` stops it first:
    such a row's ``status`` says so and its ``eps`` is only an upper bound.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, ``activation="relu"``.
    X : array-like of shape (n_samples, n_features)
        Rows inside ``clip``.
    norm : {np.inf, 1}, default np.inf
    upper_bound : float or array-like of shape (n_samples,), optional
        A size (in ``norm``) at which a change is known to fool each row, for example an
        attack's; the search box is cut to that ball. None: found here by PGD (the smaller of
        :func:`smallest_pgd`'s two searches, the log-loss and the surrogate margin, which also
        moves rows whose gradient is zero; for L1 the L1 size of that PGD change). ``inf``:
        search the whole box. A row whose bound turns out too small is searched again in the
        whole box.
    lower_bound : float or array-like of shape (n_samples,), default 0
        A size known to be too small to fool each row (added as a constraint).
    bounds : {"lp", "interval"}, default "lp"
        Pre-activation bounds: interval arithmetic, then tightened by LP (MIPVerify; with one
        program per class, again for each class), or interval arithmetic alone.
    formulation : {"per target", "disjunction"}, default "per target"
        One program per other class (the likeliest first, each capped by the best size found
        so far; with ``bounds="lp"`` its bounds are tightened again over the changes that reach
        that class, see the module's docstring), or one program with a binary per other class
        choosing which one to reach. ``benchmarks/exact.py`` measures both
        (``benchmarks/results/exact.md``). With one program, a time limit still leaves a lower
        bound over all classes; one program per class spends it on the first.
    time_limit : float, default 60
        Seconds per row for all its programs.
    margin : float, default 1e-6
        How far the other class's logit must exceed the predicted one's at ``x'``, so that the
        prediction changes despite the solver's tolerances (about 1e-7; on one digit of 200 in
        ``benchmarks/exact.py`` the logit was off by 5e-6). A row whose ``x'`` the network does
        not misclassify is searched for again with ten times the margin (twice at most).
    mip_rel_gap : float, default 1e-4
        Relative gap between the best size found and the proven lower bound at which HiGHS
        declares a program solved (its default). Smaller gaps approach the solver's tolerances
        (about 1e-7 on sizes near 0.01) and made solves several times slower here.
    clip : (low, high), default (0, 1)
        The box ``x'`` must stay in (pixels).

    Returns
    -------
    ExactMinimum
        One entry per row: ``eps``, ``x_adv``, ``target``, ``status``, ``lower_bound``,
        ``upper_bound``, ``solve_time`` and ``n_binaries``.

    Raises
    ------
    TypeError
        If ``model`` is not an ``MLPClassifier``.
    ValueError
        If its activation is not ReLU, the norm is not L-infinity or L1 (L2 is named: it is not
        a linear program), ``X`` has the wrong shape or lies outside ``clip``, a bound is
        negative, ``lower_bound`` exceeds ``upper_bound`` (reversed), or an option is unknown.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    _check_relu_network(model)
    norm = _check_exact_norm(norm)
    clip = check_range(clip, "clip")
    X = check_features(X, n_features=model.coefs_[0].shape[0], allow_1d=True)
    _check_in_box(X, clip)
    bounds = _check_choice(bounds, BOUND_METHODS, "bounds")
    formulation = _check_choice(formulation, FORMULATIONS, "formulation")
    time_limit = _check_positive(time_limit, "time_limit")
    margin = _check_positive(margin, "margin")
    mip_rel_gap = _check_positive(mip_rel_gap, "mip_rel_gap")
    lower = _as_row_values(lower_bound, len(X), "lower_bound")
    if upper_bound is not None:
        upper = _as_row_values(upper_bound, len(X), "upper_bound")
    if upper_bound is not None and np.any(lower > upper):
        row = int(np.flatnonzero(lower > upper)[0])
        raise ValueError(
            f"lower_bound > upper_bound for row {row} ({lower[row]:g} > {upper[row]:g}): the "
            "bounds are reversed; swap them."
        )
    if upper_bound is None:
        labels = model.classes_[gradients.logits(model, X).argmax(axis=1)]
        upper = np.maximum(_attack_sizes(model, X, labels, norm, clip), lower)
    rows = [_search_row(model, x0, _Region(x0, norm, low, high, clip), bounds, formulation,
                        time_limit, margin, mip_rel_gap)
            for x0, low, high in zip(X, lower, upper)]
    return ExactMinimum(
        norm=norm,
        eps=np.array([r["eps"] for r in rows]),
        x_adv=np.array([r["x_adv"] for r in rows]),
        target=np.array([r["target"] for r in rows], dtype=object),
        status=np.array([r["status"] for r in rows], dtype=object),
        lower_bound=np.array([r["lower_bound"] for r in rows]),
        upper_bound=np.array([r["upper_bound"] for r in rows]),
        solve_time=np.array([r["solve_time"] for r in rows]),
        n_binaries=np.array([r["n_binaries"] for r in rows], dtype=int),
    )
