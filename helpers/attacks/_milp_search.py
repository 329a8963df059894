"""The exact search for one row behind :func:`helpers.attacks.minimal_perturbation_relu`.

:func:`search_row` runs the programs of :mod:`helpers.attacks._milp_encoding` within the row's
time limit: first in the ball of a known fooling change's size, then (if that ball holds none
after all) in the whole pixel box, and again with a larger margin where the solver's answer
does not fool the network itself. :func:`attack_start` finds the known changes: an attack made
for the norm.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.neural_network import MLPClassifier

from helpers import gradients
from helpers.attacks._milp_encoding import (Region, network_program, predicted_index,
                                            program_reaching, region_minimum)
from helpers.attacks.evaluate import smallest_pgd
from helpers.attacks.sparse import ead

#: How often a row whose change the network does not misclassify is searched for again, each
#: time with ten times the margin.
MARGIN_RETRIES: int = 2
#: With one program per class, once a change smaller than this share of the region's size is
#: found, the remaining classes are searched in the region of that change's size (their bounds
#: computed again over it).
SHRINK: float = 0.98


def change_size(change: np.ndarray, norm: str) -> float:
    return float(np.abs(change).max() if norm == "inf" else np.abs(change).sum())


def _solve_row(model: MLPClassifier, x0: np.ndarray, region: Region, method: str,
               formulation: str, margin: float, mip_rel_gap: float,
               known: np.ndarray | None = None) -> dict:
    """The exact search for one row, until the region's deadline; a dict of the
    :class:`ExactMinimum` fields. ``known`` (a fooling row inside the region, or None): the
    class it reaches is solved first, its answer capping the others'."""
    start = time.perf_counter()
    predicted = predicted_index(model, x0)
    network = network_program(model, region, method, margin,
                               with_size=formulation == "disjunction")
    reached = predicted_index(model, known) if known is not None else None
    if reached in network.targets:
        network.targets.remove(reached)
        network.targets.insert(0, reached)
    n_binaries = network.n_binaries
    best: dict[str, Any] = {"eps": np.inf, "x": None}
    if known is not None and region.norm == "inf" and formulation == "per target":
        best["eps"], best["x"] = change_size(known - x0, region.norm), known
    lower_bounds: list[float] = []
    timed_out = False

    def record(result, cap: float, inputs) -> None:
        nonlocal timed_out
        if result.status == 2:  # nothing of size <= cap reaches this target
            lower_bounds.append(cap)
            return
        if result.status == 0:
            lower_bounds.append(min(result.dual_bound, result.fun))
        else:
            timed_out = True
            lower_bounds.append(result.dual_bound if result.dual_bound is not None
                                else region.eps_low)
        if result.x is not None and result.fun < best["eps"]:
            best["eps"], best["x"] = result.fun, inputs.at(result.x)

    if formulation == "per target":
        # the likeliest target first (largest reachable margin): its answer caps the others
        n_binaries = 0
        pending = list(network.targets)
        while pending:
            t = pending.pop(0)
            if best["eps"] < SHRINK * region.eps_high and region.left() > 0:
                # a change well inside the region is known: the other classes only matter
                # within its size, a smaller region with tighter bounds
                region = Region(x0, region.norm, region.eps_low,
                                best["eps"] * (1 + 1e-3) + 1e-6, region.clip, region.deadline)
                network = network_program(model, region, method, margin)
                pending = [u for u in [t, *pending] if u in network.targets]
                if not pending:
                    break
                t = pending.pop(0)
            cap = min(best["eps"], region.eps_high)
            if region.left() <= 0:  # no time left for this class: nothing proven about it
                timed_out = True
                lower_bounds.append(region.eps_low)
                continue
            if region.norm == "inf" and np.isfinite(best["eps"]):
                # does any change a little smaller than the best known reach t? A
                # feasibility program (the ball as the input's bounds: no size rows, no
                # objective), most often infeasible: then t is done; else its smallest change
                # is searched for below
                radius = best["eps"] * (1 - mip_rel_gap / 2)
                ball = Region(x0, region.norm, region.eps_low, radius, region.clip,
                              region.deadline)
                check = program_reaching(model, ball, network, t, method, margin,
                                         with_size=False)
                if check is not None:
                    n_binaries = max(n_binaries, check.n_binaries)
                    found = check.program.solve(np.zeros(check.program.n_columns), True,
                                                region.left(), mip_rel_gap)
                    if found.status not in (0, 2):
                        timed_out = True
                        lower_bounds.append(region.eps_low)
                        continue
                if check is None or found.status == 2:  # no change within radius reaches t
                    lower_bounds.append(radius)
                    continue
            encoded = program_reaching(model, region, network, t, method, margin)
            if encoded is None:  # no change in the box reaches this target
                lower_bounds.append(cap)
                continue
            n_binaries = max(n_binaries, encoded.n_binaries)
            trial, sizes = encoded.program, encoded.norm_columns
            trial.rows(np.ones((1, len(sizes))), sizes, -np.inf, cap)
            record(trial.solve(trial.objective(sizes, 1.0), True, region.left(), mip_rel_gap),
                   cap, encoded.input)
    elif network.targets:
        trial, targets = network.program.copy(), network.targets
        s = trial.variables(np.zeros(len(targets)), np.ones(len(targets)), integer=True)
        trial.rows(np.ones((1, len(s))), s, 1.0, np.inf)
        columns = network.activations.columns
        for t, s_t in zip(targets, s):  # s_t = 1 forces logit_t - logit_predicted >= margin
            trial.rows(np.array([np.append(network.margins[t], network.d_low[t] - margin)]),
                       np.append(columns, s_t), network.d_low[t] - network.offsets[t], np.inf)
        record(trial.solve(trial.objective(network.norm_columns, 1.0), True, region.left(),
                           mip_rel_gap), region.eps_high, network.input)
    if not network.targets:
        lower_bounds.append(region.eps_high)
    elapsed = time.perf_counter() - start
    lower = min(lower_bounds) if lower_bounds else region.eps_high
    if best["x"] is None:
        status = "time limit" if timed_out else "no adversarial"
        return {"eps": np.inf, "x_adv": np.full(len(x0), np.nan), "target": None,
                "status": status, "lower_bound": lower, "upper_bound": np.inf,
                "solve_time": elapsed, "n_binaries": n_binaries}
    x_adv = np.clip(best["x"], *region.box)
    eps = change_size(x_adv - x0, region.norm)
    new_class = predicted_index(model, x_adv)
    status = "time limit" if timed_out else "optimal"
    if new_class == predicted:  # within the solver's tolerances, but not for the network itself
        status = "unverified"
    return {"eps": eps, "x_adv": x_adv, "target": model.classes_[new_class], "status": status,
            "lower_bound": min(lower, eps), "upper_bound": eps, "solve_time": elapsed,
            "n_binaries": n_binaries}


def search_row(model: MLPClassifier, x0: np.ndarray, region: Region, method: str,
                formulation: str, time_limit: float, margin: float, mip_rel_gap: float,
                known: np.ndarray | None = None) -> dict:
    """The exact search for one row within ``time_limit`` seconds in all, in the box of the
    known fooling change's size (or, if that box holds no fooling change after all, in the
    whole pixel box).

    ``known``: a row the network is known to misclassify (an attack's), or None. It is first
    moved to the smallest change inside its own linear region of the network (one LP,
    :func:`region_minimum`), whose size starts the search; where the solver does not finish,
    the better of it and the solver's best is returned, its size the upper bound.

    A change that the solver finds but the network does not misclassify (``"unverified"``: the
    solver's tolerances exceeded ``margin``) is searched for again with ten times the margin,
    up to :data:`MARGIN_RETRIES` times within the time limit. The first search's lower bound
    still holds (a larger margin only removes changes); the row is ``"optimal"`` when the
    verified change's size is within ``mip_rel_gap`` of it.
    """
    start = time.perf_counter()
    deadline = start + time_limit
    predicted = predicted_index(model, x0) if known is not None else None
    if known is not None and predicted_index(model, known) == predicted:
        known = None  # not a fooling change after all
    if known is not None:
        closer = region_minimum(model, x0, known, region.norm, region.clip, margin,
                                 max(deadline - time.perf_counter(), 1e-3))
        if closer is not None and predicted_index(model, closer) != predicted and \
                change_size(closer - x0, region.norm) < change_size(known - x0, region.norm):
            known = closer
        region.eps_high = min(region.eps_high, change_size(known - x0, region.norm))
    full = _full_radius(x0, region.norm, region.clip)
    # a little room beyond the attack's size: its change must stay feasible with the margin
    high = min(region.eps_high * (1 + 1e-3) + 1e-6, full)
    box = Region(x0, region.norm, region.eps_low, high, region.clip, deadline)
    result = _solve_row(model, x0, box, method, formulation, margin, mip_rel_gap, known)
    if result["status"] == "no adversarial" and high < full:
        box = Region(x0, region.norm, region.eps_low, full, region.clip, deadline)
        result = _solve_row(model, x0, box, method, formulation, margin, mip_rel_gap, known)
    lower = result["lower_bound"]
    for _ in range(MARGIN_RETRIES):
        if result["status"] != "unverified" or box.left() <= 0:
            break
        margin *= 10.0
        result = _solve_row(model, x0, box, method, formulation, margin, mip_rel_gap, known)
        result["lower_bound"] = lower = min(lower, result["lower_bound"])
        if result["status"] == "optimal" and result["eps"] - lower > mip_rel_gap * result["eps"]:
            result["status"] = "time limit"  # verified, but not proven within the gap
    if known is not None and (result["status"] == "unverified" or (
            result["status"] == "time limit" and change_size(known - x0, region.norm) <
            result["eps"])):  # the known change is the best verified one
        result.update(eps=change_size(known - x0, region.norm), x_adv=known, status="time limit",
                      target=model.classes_[predicted_index(model, known)])
    result["upper_bound"] = result["eps"]
    result["solve_time"] = time.perf_counter() - start
    return result


def attack_start(model: MLPClassifier, X: np.ndarray, labels: np.ndarray, norm: str,
            clip: tuple[float, float]) -> np.ndarray:
    """Per row, a changed row the network misclassifies (NaN where the attacks found none):
    L-infinity, PGD's smallest by bisection on the log-loss, and on the surrogate margin for
    the rows where that failed or the gradient is exactly zero; L1, the elastic-net attack."""
    found = np.full(X.shape, np.nan)
    if norm == "1":
        sparse = ead(model, X, labels, clip=clip)
        found[sparse.fooled] = X[sparse.fooled] + sparse.delta[sparse.fooled]
        return found
    plain = smallest_pgd(model, X, labels, clip=clip)
    found[plain.fooled] = X[plain.fooled] + plain.delta[plain.fooled]
    flat = np.all(gradients.input_gradient(model, X, labels) == 0, axis=1)
    again = np.flatnonzero(~plain.fooled | flat)
    if len(again):
        surrogate = smallest_pgd(model, X[again], labels[again], clip=clip,
                                 loss="surrogate margin")
        better = surrogate.fooled & ~(plain.eps[again] <= surrogate.eps)
        found[again[better]] = X[again[better]] + surrogate.delta[better]
    return found


def _full_radius(x0: np.ndarray, norm: str, clip: tuple[float, float]) -> float:
    """A radius whose ball contains the whole box ``clip``."""
    reach = np.maximum(x0 - clip[0], clip[1] - x0)
    return float(reach.max() if norm == "inf" else reach.sum())
