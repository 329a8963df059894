"""The mixed-integer encoding of a ReLU network behind :mod:`helpers.attacks.milp`.

Sparse rows and variable bounds built in blocks (:class:`_Encoding`), the search region around
one row (:class:`_Region`), pre-activation bounds by interval arithmetic and by LP
(:func:`_hidden_bounds`), and the program of a whole network with the classes a change may reach
(:func:`_network_program`). See :mod:`helpers.attacks.milp` for the method.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array
from sklearn.neural_network import MLPClassifier

from helpers import gradients


#: HiGHS options beyond those ``scipy.optimize.milp`` names, passed to HiGHS verbatim. Its
#: sub-MIP heuristics (RINS, RENS) spent most of the root node's time on this series' network
#: (measured in ``benchmarks/exact.py``'s development: 20 of 27 s on one digit) while the attack's
#: bound already gives a good solution. Heuristics only propose solutions, never prove: the answer
#: and its proof are the same without them. A SciPy whose HiGHS lacks them warns and solves with
#: its defaults.
HIGHS_MIP_OPTIONS: dict[str, Any] = {"mip_heuristic_run_rins": False,
                                     "mip_heuristic_run_rens": False}


def _output_weights(model: MLPClassifier) -> tuple[np.ndarray, np.ndarray]:
    """Logit weights (n_last_hidden, n_classes) and biases; two classes get the logits (0, s)."""
    W, b = model.coefs_[-1], model.intercepts_[-1]
    if W.shape[1] == 1:  # binary: P(class 1) = sigmoid(s), the softmax of (0, s)
        W = np.hstack([np.zeros_like(W), W])
        b = np.concatenate([[0.0], b])
    return W, b


def _interval(W: np.ndarray, b: np.ndarray, low: np.ndarray, high: np.ndarray):
    """Bounds of ``a @ W + b`` over the box ``low <= a <= high``."""
    positive, negative = np.maximum(W, 0.0), np.minimum(W, 0.0)
    return low @ positive + high @ negative + b, high @ positive + low @ negative + b


class _Encoding:
    """Sparse rows and variable bounds of a (mixed-integer) linear program, built in blocks."""

    def __init__(self) -> None:
        self.n_columns = 0
        self.n_rows = 0
        self.triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.row_low: list[np.ndarray] = []
        self.row_high: list[np.ndarray] = []
        self.var_low: list[np.ndarray] = []
        self.var_high: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []

    def variables(self, low: np.ndarray, high: np.ndarray, integer: bool = False) -> np.ndarray:
        """Add ``len(low)`` variables; return their columns."""
        columns = self.n_columns + np.arange(len(low))
        self.n_columns += len(low)
        self.var_low.append(np.asarray(low, dtype=float))
        self.var_high.append(np.asarray(high, dtype=float))
        self.integer.append(np.full(len(low), float(integer)))
        return columns

    def rows(self, matrix: np.ndarray, columns: np.ndarray, low: Any, high: Any) -> None:
        """Add the rows ``low <= matrix @ v[columns] <= high`` (matrix dense, zeros dropped)."""
        r, c = np.nonzero(matrix)
        self.triplets.append((matrix[r, c], self.n_rows + r, np.asarray(columns)[c]))
        n = matrix.shape[0]
        self.row_low.append(np.broadcast_to(np.asarray(low, dtype=float), n))
        self.row_high.append(np.broadcast_to(np.asarray(high, dtype=float), n))
        self.n_rows += n

    def copy(self) -> "_Encoding":
        """A copy to which rows and variables can be added without changing this one."""
        other = _Encoding()
        other.n_columns, other.n_rows = self.n_columns, self.n_rows
        for name in ("triplets", "row_low", "row_high", "var_low", "var_high", "integer"):
            setattr(other, name, list(getattr(self, name)))
        return other

    def objective(self, columns: np.ndarray, weights: Any) -> np.ndarray:
        """An objective vector: ``weights`` on ``columns``, zero elsewhere."""
        c = np.zeros(self.n_columns)
        c[columns] = weights
        return c

    def solve(self, objective: np.ndarray, integral: bool, time_limit: float | None = None,
              mip_rel_gap: float = 1e-6):
        """``scipy.optimize.milp`` on these rows (the LP relaxation unless ``integral``)."""
        options: dict[str, Any] = {"mip_rel_gap": mip_rel_gap}
        if time_limit is not None:
            options["time_limit"] = max(time_limit, 1e-3)
        if integral:
            options.update(HIGHS_MIP_OPTIONS)
        with warnings.catch_warnings():  # scipy announces that it passes them on verbatim
            warnings.filterwarnings("ignore", "Unrecognized options detected",
                                    RuntimeWarning)
            return self._milp(objective, integral, options)

    def _milp(self, objective: np.ndarray, integral: bool, options: dict[str, Any]):
        values, r, c = (np.concatenate(parts) for parts in zip(*self.triplets))
        matrix = coo_array((values, (r, c)), shape=(self.n_rows, self.n_columns)).tocsr()
        return milp(
            objective,
            constraints=LinearConstraint(matrix, np.concatenate(self.row_low),
                                         np.concatenate(self.row_high)),
            bounds=Bounds(np.concatenate(self.var_low), np.concatenate(self.var_high)),
            integrality=np.concatenate(self.integer) if integral else None,
            options=options,
        )


@dataclass
class _Region:
    """The search region around one row: the box, the ball, and the hidden units' bounds."""

    x0: np.ndarray
    norm: str
    eps_low: float
    eps_high: float
    clip: tuple[float, float]

    @property
    def box(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.maximum(self.x0 - self.eps_high, self.clip[0]),
                np.minimum(self.x0 + self.eps_high, self.clip[1]))

    def encode(self, model: MLPClassifier, lows: list, highs: list, n_layers: int,
               with_size: bool = True):
        """Program of the first ``n_layers`` hidden layers; returns it, the last layer's
        activations (an :class:`_Affine`), the norm's columns and the number of binaries.

        Columns: ``x``, the norm's block (one ``eps``, or one ``t_i >= |x_i - x0_i|`` per
        feature for L1), then, layer by layer, the ``z`` of the units whose sign the bounds
        leave open, their ``a`` and their binaries. A unit of fixed sign gets no variable: its activation is an affine
        function of the columns below (zero if always off, its ``z`` if always on), carried to
        the next layer, so the program holds one dense row per open unit (and per output
        constraint) instead of one per unit. Without ``with_size``, the L-infinity block is
        left out: the box alone is then the ball, which is all that bounds need.
        """
        program = _Encoding()
        n = len(self.x0)
        x = program.variables(*self.box)
        ones = np.ones((n, 1))
        if self.norm == "inf" and not with_size:
            norm_columns = np.array([], dtype=int)
        elif self.norm == "inf":  # -eps <= x_i - x0_i <= eps
            eps = program.variables([self.eps_low], [self.eps_high])
            columns = np.concatenate([x, eps])
            program.rows(np.hstack([np.eye(n), -ones]), columns, -np.inf, self.x0)
            program.rows(np.hstack([np.eye(n), ones]), columns, self.x0, np.inf)
            norm_columns = eps
        else:  # t_i >= |x_i - x0_i| and eps_low <= sum(t) <= eps_high
            t = program.variables(np.zeros(n), np.full(n, self.eps_high))
            columns = np.concatenate([x, t])
            program.rows(np.hstack([np.eye(n), -np.eye(n)]), columns, -np.inf, self.x0)
            program.rows(np.hstack([np.eye(n), np.eye(n)]), columns, self.x0, np.inf)
            program.rows(np.ones((1, n)), t, self.eps_low, self.eps_high)
            norm_columns = t
        activations = _Affine(x, np.eye(n), np.zeros(n))
        n_binaries = 0
        pair = np.array([[1.0, -1.0]])
        for k in range(n_layers):
            lo, hi = lows[k], highs[k]
            matrix, offset = activations.of(model.coefs_[k], model.intercepts_[k])
            open_ = np.flatnonzero((lo < 0) & (hi > 0))
            z = program.variables(lo[open_], hi[open_])
            # z = (the affine expression): the only dense rows; each ReLU row below has two
            # or three entries (cheap for the solver's cuts)
            program.rows(np.hstack([-matrix[open_], np.eye(len(open_))]),
                         np.concatenate([activations.columns, z]), offset[open_], offset[open_])
            a = program.variables(np.zeros(len(open_)), hi[open_])
            d = program.variables(np.zeros(len(open_)), np.ones(len(open_)), integer=True)
            n_binaries += len(open_)
            for z_j, a_j, d_j, l_j, u_j in zip(z, a, d, lo[open_], hi[open_]):
                # a >= z; a <= z - l (1 - d); a <= u d (and a >= 0, its bound)
                program.rows(pair, [a_j, z_j], 0.0, np.inf)
                program.rows(np.array([[1.0, -1.0, -l_j]]), [a_j, z_j, d_j], -np.inf, -l_j)
                program.rows(np.array([[1.0, -u_j]]), [a_j, d_j], -np.inf, 0.0)
            # always on: a = z; always off: a = 0; open: a is its own column
            on = lo >= 0
            matrix, offset = matrix * on[:, None], offset * on
            own = np.zeros((len(lo), len(open_)))
            own[open_, np.arange(len(open_))] = 1.0
            activations = _Affine(np.concatenate([activations.columns, a]),
                                  np.hstack([matrix, own]), offset)
        return program, activations, norm_columns, n_binaries


@dataclass
class _Affine:
    """A layer's activations as an affine function of program columns:
    ``a = matrix @ v[columns] + offset``, ``matrix`` of shape (n_units, len(columns))."""

    columns: np.ndarray
    matrix: np.ndarray
    offset: np.ndarray

    def of(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``a @ W + b`` (``W`` of shape (n_units, n_out)) as ``(matrix, offset)`` over the same
        columns: shapes (n_out, len(columns)) and (n_out,)."""
        return W.T @ self.matrix, W.T @ self.offset + b


def _hidden_bounds(model: MLPClassifier, region: _Region, method: str):
    """Pre-activation bounds ``(lows, highs)`` of every hidden layer over the region.

    Interval arithmetic, layer by layer; with ``method="lp"`` every unit that the intervals
    leave undecided (``l < 0 < u``) from the second hidden layer on gets the smallest and largest
    pre-activation over the LP relaxation of the layers below (over a box, the first layer's
    intervals are already exact).
    """
    low, high = region.box
    lows: list[np.ndarray] = []
    highs: list[np.ndarray] = []
    for k in range(len(model.coefs_) - 1):
        W, b = model.coefs_[k], model.intercepts_[k]
        lo, hi = _interval(W, b, low, high)
        undecided = np.flatnonzero((lo < 0) & (hi > 0))
        if method == "lp" and k >= 1 and len(undecided):
            program, below, _, _ = region.encode(model, lows, highs, k, with_size=False)
            matrix, offset = below.of(W, b)
            for j in undecided:
                lo[j], hi[j] = _lp_range(program, below.columns, matrix[j], offset[j], lo[j],
                                         hi[j])
        lows.append(lo)
        highs.append(hi)
        low, high = np.maximum(lo, 0.0), np.maximum(hi, 0.0)
    return lows, highs


def _lp_range(program: _Encoding, columns: np.ndarray, weights: np.ndarray, offset: float,
              low: float, high: float) -> tuple[float, float]:
    """``weights @ v[columns] + offset`` over the LP relaxation, intersected with (low, high)."""
    c = program.objective(columns, weights)
    smallest, largest = program.solve(c, False), program.solve(-c, False)
    if smallest.status == 0:
        low = max(low, smallest.fun + offset)
    if largest.status == 0:
        high = min(high, -largest.fun + offset)
    return low, high


def _network_program(model: MLPClassifier, region: _Region, method: str, margin: float,
                     with_size: bool = False):
    """The network's program over the region, and the classes a change inside it may reach.

    Returns the program, the columns and ``(matrix, offset)`` of the logit differences
    ``logit_t - logit_predicted`` over them (``matrix @ v[columns] + offset``, one row per
    class), the reachable targets (sorted, the largest upper bound of that difference first),
    and ``(d_low, d_high, norm_columns, n_binaries)``.
    """
    x0 = region.x0
    predicted = int(gradients.logits(model, x0[None, :]).argmax())
    lows, highs = _hidden_bounds(model, region, method)
    program, last, norm_columns, n_binaries = region.encode(model, lows, highs, len(lows),
                                                            with_size=with_size)
    W, b = _output_weights(model)
    W_margin, b_margin = W - W[:, [predicted]], b - b[predicted]  # logit_t - logit_predicted
    d_low, d_high = _interval(W_margin, b_margin, np.maximum(lows[-1], 0.0),
                              np.maximum(highs[-1], 0.0))
    matrix, offset = last.of(W_margin, b_margin)
    targets = [t for t in range(W.shape[1]) if t != predicted]
    if method == "lp":
        for t in targets:
            d_low[t], d_high[t] = _lp_range(program, last.columns, matrix[t], offset[t],
                                            d_low[t], d_high[t])
    targets = sorted((t for t in targets if d_high[t] >= margin), key=lambda t: -d_high[t])
    return (program, last.columns, (matrix, offset), targets,
            (d_low, d_high, norm_columns, n_binaries))
