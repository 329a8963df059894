"""The exact smallest change that fools a ReLU network, by mixed-integer linear programming.

A ReLU network is linear wherever no hidden unit changes sign, so "is there an ``x'`` within
``eps`` of ``x``, inside the pixel box, that the network classifies as another class?" is a
mixed-integer linear program: one binary variable per hidden unit that may change sign, and
linear constraints for everything else (Tjeng, Xiao and Tedrake, "Evaluating robustness of
neural networks with mixed integer programming", ICLR 2019: MIPVerify, solved there with
Gurobi). Here the open-source solver HiGHS solves it, through its Python interface ``highspy``.

The encoding follows MIPVerify:

1. The search region: the pixel box cut to the ball of radius ``eps_high`` around ``x``, where
   ``eps_high`` is the size of a change known to fool the network (an attack's: PGD for
   L-infinity, the elastic-net attack for L1), first moved to the smallest change inside its
   own linear region (one LP), so the answer is at most that and most units keep one sign.
2. Bounds ``l <= z <= u`` on every hidden unit's pre-activation ``z`` over the region: exact
   for the first layer (over an L1 ball a fractional knapsack), interval arithmetic above it,
   then, layer by layer, the smallest and largest ``z`` of each unit that the intervals leave
   undecided over the linear-programming (LP) relaxation of the layers below.
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
   fixed sign, fewer binaries are left, and a class that no change in the region reaches is
   ruled out by LP alone. The class the known change reaches is solved first, then the others,
   the likeliest first, each capped by the best size found so far. For L-infinity a class is
   first asked only whether some change a little smaller than the best known (by half the
   relative gap) reaches it: a feasibility program, whose ball is the input's bounds (no size
   rows, no objective). Most often none does, which settles the class (on the hardest digits of
   the standard network this took about half the time of minimising the size); only otherwise
   is the class's smallest change searched for.

Everything done for a row — the refinement of the known change, the bounds, the programs —
stops at the row's time limit; a row it stops keeps the best fooling change known and says so.
The L-infinity and L1 norms of the change keep the program linear. L2 would make the objective
quadratic, which HiGHS does not solve as a mixed-integer program, so it is not offered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.neural_network import MLPClassifier

from helpers import gradients
from helpers._validation import check_features, check_range
from helpers.attacks._checks import as_row_values, check_choice, check_in_box, check_positive
from helpers.attacks._milp_encoding import (Region, network_program, predicted_index,
                                            program_reaching)
from helpers.attacks._milp_search import attack_start, change_size, search_row
from helpers.network import check_network

#: The norms of the change the exact search handles (both keep the program linear).
EXACT_NORMS: tuple[str, str] = ("inf", "1")
#: How the pre-activation bounds are computed: interval arithmetic, then LP ("lp"), or alone.
BOUND_METHODS: tuple[str, str] = ("lp", "interval")
#: How the other class is chosen: one program per class, or one program with a disjunction.
FORMULATIONS: tuple[str, str] = ("per target", "disjunction")

@dataclass(frozen=True)
class ExactMinimum:
    """The exact smallest change that makes a ReLU network predict another class, per row.

    Attributes
    ----------
    norm : str
        ``"inf"`` or ``"1"``: the norm in which ``eps`` measures the change.
    eps : ndarray of shape (n_samples,)
        The smallest size of a fooling change: proven where ``status`` is ``"optimal"`` (to the
        relative gap ``mip_rel_gap``), otherwise the best fooling change known (the solver's or
        the attack's that started the search); ``inf`` only where none is known.
    x_adv : ndarray of shape (n_samples, n_features)
        A changed row of size ``eps``, inside the pixel box, that the network classifies as
        ``target``; NaN where none is known.
    target : ndarray of shape (n_samples,), dtype object
        The class predicted at ``x_adv`` (None where none is known).
    status : ndarray of shape (n_samples,), dtype object
        ``"optimal"``: ``eps`` is proven minimal. ``"time limit"``: the time ran out first (or,
        rarely, the change verified with a larger margin is not within the gap of the first
        proof); ``eps`` is only an upper bound and ``lower_bound`` what is proven — never an
        exact answer. ``"no adversarial"``: proven that nothing in the pixel box fools the
        network. ``"unverified"``: the solver's ``x_adv`` is not misclassified when the network
        itself predicts it (the solver's tolerances exceeded ``margin``), also after searching
        again with larger margins, and no other fooling change is known; not an exact answer
        either.
    lower_bound, upper_bound : ndarray of shape (n_samples,)
        The smallest fooling change lies between them: the lower bound is the solver's proof
        (0 where the time ran out before any), the upper bound the size of ``x_adv``.
    solve_time : ndarray of shape (n_samples,)
        Wall time per row in seconds (the known change's refinement, bounds, every program).
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


def check_relu_network(model: Any) -> MLPClassifier:
    """``model`` if it is a fitted ``MLPClassifier`` with ReLU units, else an error saying what
    to fit instead. Shared by the exact search and the certificates."""
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
            "the L2 minimum is a mixed-integer quadratic program, which HiGHS does not solve; "
            "use norm=np.inf or norm=1."
        )
    if key not in EXACT_NORMS:
        raise ValueError(f"unknown norm {norm!r}; use np.inf (L-infinity) or 1 (L1).")
    return key


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
    radius ``eps``; with ``bounds="lp"`` each class's bounds are tightened again over the
    changes that reach it, and a class they rule out needs no program.

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
        Seconds per row, bounds included.
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
    check_relu_network(model)
    norm = _check_exact_norm(norm)
    clip = check_range(clip, "clip")
    X = check_features(X, n_features=model.coefs_[0].shape[0], allow_1d=True)
    check_in_box(X, clip)
    bounds = check_choice(bounds, BOUND_METHODS, "bounds")
    time_limit = check_positive(time_limit, "time_limit")
    margin = check_positive(margin, "margin")
    sizes = as_row_values(eps, len(X), "eps")
    answers = []
    for x0, size in zip(X, sizes):
        region = Region(x0, norm, 0.0, float(size), clip, time.perf_counter() + time_limit)
        network = network_program(model, region, bounds, margin)
        answer = "none"
        for t in network.targets:
            # the bounds tightened again over the changes that reach t (with bounds="lp"), as
            # the exact search does: several times faster on the standard network near eps*
            encoded = program_reaching(model, region, network, t, bounds, margin)
            if encoded is None:  # no change in the box reaches t
                continue
            trial = encoded.program
            found = trial.solve(np.zeros(trial.n_columns), True, region.left())
            if found.status == 0:
                x_adv = np.clip(encoded.input.at(found.x), *clip)
                fooled = predicted_index(model, x_adv) != predicted_index(model, x0)
                answer = "adversarial" if fooled else "time limit"
                break
            if found.status != 2:
                answer = "time limit"
                break
        answers.append(answer)
    return np.array(answers, dtype=object)


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
    x_fooling: Any = None,
) -> ExactMinimum:
    """Exact smallest change (L-infinity or L1) that makes a ReLU network predict another class.

    For each row ``x``: the smallest ``eps`` such that some ``x'`` with ``||x' - x|| <= eps`` and
    ``clip[0] <= x' <= clip[1]`` gets a logit of another class at least ``margin`` above the
    logit of the class predicted at ``x`` — so ``x'`` is classified as another class. Solved to
    proven optimality by mixed-integer linear programming (MIPVerify's encoding, HiGHS; see the
    module's docstring), unless ``time_limit`` stops it first: such a row's ``status`` says so,
    its ``eps`` is the best fooling change known (an upper bound) and ``lower_bound`` what is
    proven.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, ``activation="relu"``.
    X : array-like of shape (n_samples, n_features)
        Rows inside ``clip``.
    norm : {np.inf, 1}, default np.inf
    upper_bound : float or array-like of shape (n_samples,), optional
        A size (in ``norm``) at which a change is known to fool each row; the search box is cut
        to that ball. ``inf``: search the whole box. A row whose bound turns out too small is
        searched again in the whole box. None (and no ``x_fooling``): an attack made for the
        norm finds one here, for all rows at once before the rows' time limits start: for
        L-infinity PGD (:func:`smallest_pgd` on the log-loss, and on the surrogate margin where
        that fails or the gradient is exactly zero), for L1 the elastic-net attack
        (:func:`helpers.attacks.ead`).
    lower_bound : float or array-like of shape (n_samples,), default 0
        A size known to be too small to fool each row (added as a constraint).
    bounds : {"lp", "interval"}, default "lp"
        Pre-activation bounds: exact for the first layer, then interval arithmetic, tightened by
        LP (MIPVerify; with one program per class, again for each class), or intervals alone.
    formulation : {"per target", "disjunction"}, default "per target"
        One program per other class (the likeliest first, each capped by the best size found
        so far; with ``bounds="lp"`` its bounds are tightened again over the changes that reach
        that class, see the module's docstring), or one program with a binary per other class
        choosing which one to reach. ``benchmarks/exact.py`` measures both.
    time_limit : float, default 60
        Seconds per row for everything done for it: the known change's refinement, the bounds
        and every program.
    margin : float, default 1e-6
        How far the other class's logit must exceed the predicted one's at ``x'``, so that the
        prediction changes despite the solver's tolerances (about 1e-7). A row whose ``x'`` the
        network does not misclassify is searched for again with ten times the margin (twice at
        most).
    mip_rel_gap : float, default 1e-4
        Relative gap between the best size found and the proven lower bound at which HiGHS
        declares a program solved (its default).
    clip : (low, high), default (0, 1)
        The box ``x'`` must stay in (pixels).
    x_fooling : array-like of shape (n_samples, n_features), optional
        Rows known to fool the network (an attack's changes; NaN rows where none is known).
        Each is first moved to the smallest change inside its own linear region of the network
        (a linear program), whose size starts the search (with ``upper_bound``, the smaller);
        where the solver does not finish, the better of it and the solver's best is returned.

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
        a linear program), ``X`` or ``x_fooling`` has the wrong shape or lies outside ``clip``,
        a bound is negative, ``lower_bound`` exceeds ``upper_bound`` (reversed), or an option is
        unknown.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    check_relu_network(model)
    norm = _check_exact_norm(norm)
    clip = check_range(clip, "clip")
    X = check_features(X, n_features=model.coefs_[0].shape[0], allow_1d=True)
    check_in_box(X, clip)
    bounds = check_choice(bounds, BOUND_METHODS, "bounds")
    formulation = check_choice(formulation, FORMULATIONS, "formulation")
    time_limit = check_positive(time_limit, "time_limit")
    margin = check_positive(margin, "margin")
    mip_rel_gap = check_positive(mip_rel_gap, "mip_rel_gap")
    lower = as_row_values(lower_bound, len(X), "lower_bound")
    upper = np.full(len(X), np.inf) if upper_bound is None else \
        as_row_values(upper_bound, len(X), "upper_bound")
    if np.any(lower > upper):
        row = int(np.flatnonzero(lower > upper)[0])
        raise ValueError(
            f"lower_bound > upper_bound for row {row} ({lower[row]:g} > {upper[row]:g}): the "
            "bounds are reversed; swap them."
        )
    if x_fooling is not None:
        known = _check_fooling_rows(x_fooling, X, clip)
    elif upper_bound is None:
        labels = model.classes_[gradients.logits(model, X).argmax(axis=1)]
        known = attack_start(model, X, labels, norm, clip)
    else:
        known = np.full(X.shape, np.nan)
    rows = []
    for x0, low, high, x_known in zip(X, lower, upper, known):
        usable = not np.isnan(x_known).any()
        if usable:
            high = min(high, change_size(x_known - x0, norm))
        rows.append(search_row(model, x0, Region(x0, norm, low, max(high, low), clip), bounds,
                                formulation, time_limit, margin, mip_rel_gap,
                                x_known if usable else None))
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


def _check_fooling_rows(x_fooling: Any, X: np.ndarray, clip: tuple[float, float]) -> np.ndarray:
    """``x_fooling`` as an array of X's shape, each row inside ``clip`` or all NaN."""
    rows = np.asarray(x_fooling, dtype=float)
    if rows.shape != X.shape:
        raise ValueError(
            f"x_fooling must have the shape of X, {X.shape} (one changed row per row of X, NaN "
            f"where none is known); got {rows.shape}."
        )
    missing = np.isnan(rows)
    if np.any(missing.any(axis=1) & ~missing.all(axis=1)):
        raise ValueError("x_fooling has rows that are partly NaN; a row is either a whole "
                         "changed row or all NaN (none known).")
    known = rows[~missing.any(axis=1)]
    if len(known):
        check_in_box(known, clip)
    return rows
