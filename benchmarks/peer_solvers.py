"""The exact smallest L-infinity change of a ReLU network, as a reader would pose it to Gurobi and SCIP.

Benchmark-only (``benchmarks/requirements.txt``: ``gurobipy``, ``gurobi-machinelearning``,
``pyscipopt``); ``benchmarks/peers.py`` runs both beside
:func:`helpers.attacks.minimal_perturbation_relu` and ``tests/test_peer_solvers.py`` checks them
against it on a tiny network. Both answer the helper's question, for one digit ``x0`` whose
predicted class is ``p``:

    minimise eps  subject to  |x - x0| <= eps (every pixel),  x in the search box,
                              logit_j(x) - logit_p(x) >= margin  for some class j != p,

where the search box is the pixel box [0, 1] cut to the L-infinity ball of radius ``upper`` (an
attack's size, at which a fooling change is known: the same cap the helper gets), ``eps <=
upper``, and the relative optimality gap is 1e-4 (the helper's ``mip_rel_gap``, Gurobi's
default). The formulations differ where each tool's user would let them differ:

- **Gurobi** through gurobi-machinelearning: ``add_predictor_constr`` formulates the network
  (one continuous "mixing" variable and one ``max(z, 0)`` general constraint per hidden unit:
  Gurobi derives the big-M values itself from its own bound propagation over the box). Version
  1.7 rejects an ``MLPClassifier``, so its weights are copied into an ``MLPRegressor`` with an
  identity output (:func:`logit_regressor`), whose outputs are the logits. The "some class"
  condition is one binary per other class with an indicator constraint, and the binaries sum
  to 1. One thread.
- **SCIP** through PySCIPOpt, with the big-M encoding from interval bounds written here: each
  unit's pre-activation bounds ``l <= z <= u`` over the box by interval arithmetic; a unit with
  ``l >= 0`` is linear (``a = z``), one with ``u <= 0`` is off (``a = 0``), the others get a
  binary ``d`` and ``a >= z, a >= 0, a <= u d, a <= z - l (1 - d)``. One binary per other class
  ``j`` that the intervals do not rule out, with ``logit_j - logit_p >= margin - M_j (1 - b_j)``
  (``M_j`` from the interval bounds of that difference), the binaries summing to 1. SCIP solves
  with one thread.

The time limit covers everything per digit (building the model included): each solver gets what
is left of it after the build.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import gurobipy as gp
import numpy as np
import pyscipopt
from gurobi_ml import add_predictor_constr
from sklearn.neural_network import MLPClassifier

from logit_network import logit_regressor

#: Gurobi's error code for a model over the size-limited (pip) license's limits.
GUROBI_SIZE_LIMIT = 10010


@dataclass(frozen=True)
class PeerAnswer:
    """One solver's answer for one digit.

    Attributes
    ----------
    eps : float
        The smallest size found (proven where ``status`` is "optimal"); ``inf`` if none.
    status : str
        "optimal", "time limit", "no adversarial" (nothing in the search box reaches another
        class) or "license limit" (Gurobi refused the model: see ``size``).
    lower_bound : float
        What the solver proved (0 where it proved nothing).
    seconds : float
        Wall time of the whole digit: interval bounds, building the model, solving.
    x_adv : ndarray of shape (n_features,)
        The change found, NaN where none.
    size : dict
        The model's size as the solver counts it (variables, binaries, linear and general
        constraints).
    """

    eps: float
    status: str
    lower_bound: float
    seconds: float
    x_adv: np.ndarray
    size: dict


def search_box(x0: np.ndarray, upper: float) -> tuple[np.ndarray, np.ndarray]:
    """The pixel box [0, 1] cut to the L-infinity ball of radius ``upper`` around ``x0``."""
    return np.clip(x0 - upper, 0.0, 1.0), np.clip(x0 + upper, 0.0, 1.0)


def interval_bounds(net: MLPClassifier, low: np.ndarray,
                    high: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Bounds ``(l, u)`` on every layer's pre-activations over the box ``low <= x <= high``.

    Returns
    -------
    list of (ndarray of shape (n_units,), ndarray of shape (n_units,))
        One pair per layer after the input, the last the logits'.
    """
    bounds = []
    for weights, bias in zip(net.coefs_, net.intercepts_):
        centre = (low + high) / 2 @ weights + bias
        radius = (high - low) / 2 @ np.abs(weights)
        bounds.append((centre - radius, centre + radius))
        low, high = np.maximum(centre - radius, 0.0), np.maximum(centre + radius, 0.0)
    return bounds


def difference_bounds(net: MLPClassifier, bounds: list, predicted: int) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """Interval bounds on ``logit_j - logit_predicted`` for every class ``j`` (0 at ``j = p``),
    from the last hidden layer's activation bounds (tighter than the logits' bounds apart)."""
    low, high = np.maximum(bounds[-2][0], 0.0), np.maximum(bounds[-2][1], 0.0)
    weights = net.coefs_[-1] - net.coefs_[-1][:, [predicted]]
    bias = net.intercepts_[-1] - net.intercepts_[-1][predicted]
    centre = (low + high) / 2 @ weights + bias
    radius = (high - low) / 2 @ np.abs(weights)
    return centre - radius, centre + radius


def _answer(eps, status, lower, start, x_adv, size) -> PeerAnswer:
    return PeerAnswer(eps=float(eps), status=status, lower_bound=float(lower),
                      seconds=time.perf_counter() - start, x_adv=np.asarray(x_adv, dtype=float),
                      size=size)


def solve_gurobi(net: MLPClassifier, x0: np.ndarray, upper: float, time_limit: float = 60.0,
                 margin: float = 1e-6, gap: float = 1e-4) -> PeerAnswer:
    """Gurobi through gurobi-machinelearning (see the module's docstring), one thread.

    Parameters
    ----------
    net : MLPClassifier
        Fitted, ReLU, three classes or more.
    x0 : ndarray of shape (n_features,)
        The digit, in [0, 1].
    upper : float
        A size at which a change is known to fool it: the search box's radius.
    time_limit, margin, gap : float
        Seconds in all; how far the other logit must exceed the predicted one; relative gap.

    Returns
    -------
    PeerAnswer
    """
    start = time.perf_counter()
    predicted = int(np.argmax(net.predict_proba(x0[None])[0]))
    low, high = search_box(x0, upper)
    with gp.Env(empty=True) as env:
        env.setParam("OutputFlag", 0)
        env.start()
        with gp.Model(env=env) as model:
            x = model.addMVar(len(x0), lb=low, ub=high, name="x")
            eps = model.addVar(lb=0.0, ub=upper, name="eps")
            model.addConstr(x - x0 <= eps)
            model.addConstr(x0 - x <= eps)
            logits = model.addMVar(net.n_outputs_, lb=-gp.GRB.INFINITY, name="logit")
            add_predictor_constr(model, logit_regressor(net), x, logits)
            reach = model.addMVar(net.n_outputs_, vtype=gp.GRB.BINARY, name="reach")
            reach[predicted].ub = 0.0
            for j in range(net.n_outputs_):
                if j != predicted:
                    model.addGenConstrIndicator(reach[j], True,
                                                logits[j] - logits[predicted] >= margin)
            model.addConstr(reach.sum() == 1)
            model.setObjective(eps, gp.GRB.MINIMIZE)
            model.Params.Threads = 1
            model.Params.MIPGap = gap
            model.Params.TimeLimit = max(time_limit - (time.perf_counter() - start), 0.0)
            model.update()
            size = {"variables": model.NumVars, "binaries": model.NumBinVars,
                    "linear constraints": model.NumConstrs,
                    "general constraints": model.NumGenConstrs}
            nothing = np.full(len(x0), np.nan)
            try:
                model.optimize()
            except gp.GurobiError as error:
                if error.errno != GUROBI_SIZE_LIMIT:
                    raise
                return _answer(np.inf, "license limit", 0.0, start, nothing, size)
            if model.Status == gp.GRB.INFEASIBLE:
                return _answer(np.inf, "no adversarial", upper, start, nothing, size)
            found = model.SolCount > 0
            status = "optimal" if model.Status == gp.GRB.OPTIMAL else "time limit"
            return _answer(model.ObjVal if found else np.inf, status, max(model.ObjBound, 0.0),
                           start, x.X if found else nothing, size)


def _affine(weights: np.ndarray, units: list):
    """``sum_i weights[i] * units[i]`` over the units that are variables (not switched off)."""
    return pyscipopt.quicksum(w * u for w, u in zip(weights, units)
                              if not isinstance(u, float))


def solve_scip(net: MLPClassifier, x0: np.ndarray, upper: float, time_limit: float = 60.0,
               margin: float = 1e-6, gap: float = 1e-4) -> PeerAnswer:
    """SCIP through PySCIPOpt, big-M from interval bounds (see the module's docstring).

    Parameters and returns as :func:`solve_gurobi`.
    """
    start = time.perf_counter()
    predicted = int(np.argmax(net.predict_proba(x0[None])[0]))
    low, high = search_box(x0, upper)
    bounds = interval_bounds(net, low, high)
    model = pyscipopt.Model()
    model.hideOutput()
    x = [model.addVar(lb=lo, ub=hi) for lo, hi in zip(low, high)]
    eps = model.addVar(lb=0.0, ub=upper)
    for xi, centre in zip(x, x0):
        model.addCons(xi - centre <= eps)
        model.addCons(centre - xi <= eps)
    units, n_binaries = x, 0
    for k in range(len(net.coefs_) - 1):
        (lows, highs), weights, bias = bounds[k], net.coefs_[k], net.intercepts_[k]
        layer = []
        for i, (lo, hi) in enumerate(zip(lows, highs)):
            if hi <= 0:  # always off
                layer.append(0.0)
                continue
            z = _affine(weights[:, i], units)
            a = model.addVar(lb=max(lo, 0.0), ub=hi)
            if lo >= 0:  # always on
                model.addCons(a == z + bias[i])
            else:
                d = model.addVar(vtype="B")
                n_binaries += 1
                model.addCons(a >= z + bias[i])
                model.addCons(a <= hi * d)
                model.addCons(a <= z + bias[i] - lo * (1 - d))
            layer.append(a)
        units = layer
    weights, bias = net.coefs_[-1], net.intercepts_[-1]
    logit = [_affine(weights[:, j], units) + bias[j] for j in range(weights.shape[1])]
    lowest, highest = difference_bounds(net, bounds, predicted)
    reach = []
    for j in range(weights.shape[1]):
        if j == predicted or highest[j] < margin:  # the intervals rule class j out
            continue
        b = model.addVar(vtype="B")
        n_binaries += 1
        model.addCons(logit[j] - logit[predicted] >= margin - (margin - lowest[j]) * (1 - b))
        reach.append(b)
    size = {"variables": model.getNVars(), "binaries": n_binaries,
            "linear constraints": model.getNConss(), "general constraints": 0}
    nothing = np.full(len(x0), np.nan)
    if not reach:
        return _answer(np.inf, "no adversarial", upper, start, nothing, size)
    model.addCons(pyscipopt.quicksum(reach) == 1)
    model.setObjective(eps, "minimize")
    model.setParam("limits/gap", gap)
    model.setParam("parallel/maxnthreads", 1)
    model.setParam("limits/time", max(time_limit - (time.perf_counter() - start), 0.0))
    model.optimize()
    status = model.getStatus()  # "gaplimit": optimal to the relative gap, as Gurobi's "optimal"
    if status == "infeasible":
        return _answer(np.inf, "no adversarial", upper, start, nothing, size)
    found = model.getNSols() > 0
    best = model.getBestSol() if found else None
    return _answer(model.getObjVal() if found else np.inf,
                   "optimal" if status in ("optimal", "gaplimit") else "time limit",
                   max(model.getDualbound(), 0.0), start,
                   [best[v] for v in x] if found else nothing, size)
