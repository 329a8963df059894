"""The mixed-integer encoding of a ReLU network behind :mod:`helpers.attacks.milp`.

Sparse rows and variable bounds built in blocks (:class:`_Encoding`), the search region around
one row (:class:`_Region`), pre-activation bounds by interval arithmetic and by LP
(:func:`_hidden_bounds`), and the program of a whole network with the classes a change may reach
(:func:`_network_program`). See :mod:`helpers.attacks.milp` for the method.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array
from sklearn.neural_network import MLPClassifier

from helpers import gradients


#: HiGHS options beyond those ``scipy.optimize.milp`` names, passed to HiGHS verbatim. Its
#: sub-MIP heuristics cost much of the solve while the attack's bound already gives a good
#: solution (measured in ``benchmarks/exact.py``'s development, one digit each): RINS and RENS
#: 20 of 27 s, the root reduced-cost heuristic 0.4 of 1.1 s on one class's program. Feasibility
#: jump, which looks for a first solution, is off as well. Heuristics only propose solutions,
#: never prove: the answer and its proof are the same without them. A SciPy whose HiGHS lacks
#: them warns and solves with its defaults.
HIGHS_MIP_OPTIONS: dict[str, Any] = {"mip_heuristic_run_rins": False,
                                     "mip_heuristic_run_rens": False,
                                     "mip_heuristic_run_root_reduced_cost": False,
                                     "mip_heuristic_run_feasibility_jump": False}
#: HiGHS options for the linear programs behind the bounds. Each is solved once, from scratch;
#: HiGHS's presolve took longer than it saved on them (about 17 against 10 ms per program on
#: this series' network, measured while developing ``benchmarks/exact.py``).
HIGHS_LP_OPTIONS: dict[str, Any] = {"presolve": False}
#: At most how often the bounds of one class's program are tightened with that class's logit
#: condition (each round gives every unit of open sign its smallest and largest pre-activation
#: again); the rounds stop earlier once one leaves no further unit with a fixed sign.
TARGET_BOUND_ROUNDS: int = 8


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
        options.update(HIGHS_MIP_OPTIONS if integral else HIGHS_LP_OPTIONS)
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
               with_size: bool = True) -> "_Encoded":
        """Program of the first ``n_layers`` hidden layers (an :class:`_Encoded`: the program,
        the last layer's activations, the norm's columns, the number of binaries, and every
        layer's pre-activations).

        Columns: ``x``, the norm's block (one ``eps``, or one ``t_i >= |x_i - x0_i|`` per
        feature for L1), then, layer by layer, the ``z`` of the units whose sign the bounds
        leave open, their ``a`` and their binaries. A unit of fixed sign gets no variable: its
        activation is an affine function of the columns below (zero if always off, its ``z`` if
        always on), carried to the next layer, so the program holds one dense row per open unit
        (and per output constraint) instead of one per unit. Without ``with_size``, the
        L-infinity block is left out: the box alone is then the ball, which is all that bounds
        need.
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
        pre_activations: list[_Affine] = []
        n_binaries = 0
        pair = np.array([[1.0, -1.0]])
        for k in range(n_layers):
            lo, hi = lows[k], highs[k]
            matrix, offset = activations.of(model.coefs_[k], model.intercepts_[k])
            pre_activations.append(_Affine(activations.columns, matrix, offset))
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
        return _Encoded(program, activations, norm_columns, n_binaries, pre_activations)


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


class _Encoded(NamedTuple):
    """What :meth:`_Region.encode` builds: the program, the last layer's activations, the norm's
    columns, the number of binaries, and each layer's pre-activations (all units), every
    affine function over the program's columns."""

    program: _Encoding
    activations: _Affine
    norm_columns: np.ndarray
    n_binaries: int
    pre_activations: list[_Affine]


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
            program, below, *_ = region.encode(model, lows, highs, k, with_size=False)
            matrix, offset = below.of(W, b)
            for j in undecided:
                lo[j], hi[j] = _lp_range(program, below.columns, matrix[j], offset[j], lo[j],
                                         hi[j]) or (lo[j], hi[j])
        lows.append(lo)
        highs.append(hi)
        low, high = np.maximum(lo, 0.0), np.maximum(hi, 0.0)
    return lows, highs


def _lp_range(program: _Encoding, columns: np.ndarray, weights: np.ndarray, offset: float,
              low: float, high: float) -> tuple[float, float] | None:
    """``weights @ v[columns] + offset`` over the LP relaxation, intersected with (low, high);
    None if the relaxation has no point at all (then neither has the program)."""
    c = program.objective(columns, weights)
    smallest = program.solve(c, False)
    if smallest.status == 2:
        return None
    largest = program.solve(-c, False)
    if smallest.status == 0:
        low = max(low, smallest.fun + offset)
    if largest.status == 0:
        high = min(high, -largest.fun + offset)
    return low, high


class _NetworkProgram(NamedTuple):
    """What :func:`_network_program` builds for one row.

    ``program``; the last hidden layer's ``activations`` (an affine function of the program's
    columns); the logit differences ``logit_t - logit_predicted`` as
    ``margins @ v[activations.columns] + offsets`` (one row per class) and their bounds
    ``d_low``, ``d_high``; the reachable ``targets`` (the largest ``d_high`` first); the
    norm's columns; the binaries; the hidden bounds ``lows``, ``highs``; and the
    logit-difference weights ``(W_margin, b_margin)`` over the last hidden layer.
    """

    program: _Encoding
    activations: _Affine
    margins: np.ndarray
    offsets: np.ndarray
    targets: list[int]
    d_low: np.ndarray
    d_high: np.ndarray
    norm_columns: np.ndarray
    n_binaries: int
    lows: list[np.ndarray]
    highs: list[np.ndarray]
    logit_margin: tuple[np.ndarray, np.ndarray]


def _network_program(model: MLPClassifier, region: _Region, method: str, margin: float,
                     with_size: bool = False) -> _NetworkProgram:
    """The network's program over the region, and the classes a change inside it may reach
    (a :class:`_NetworkProgram`)."""
    x0 = region.x0
    predicted = int(gradients.logits(model, x0[None, :]).argmax())
    lows, highs = _hidden_bounds(model, region, method)
    program, last, norm_columns, n_binaries, _ = region.encode(model, lows, highs, len(lows),
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
                                            d_low[t], d_high[t]) or (d_low[t], d_high[t])
    targets = sorted((t for t in targets if d_high[t] >= margin), key=lambda t: -d_high[t])
    return _NetworkProgram(program, last, matrix, offset, targets, d_low, d_high,
                           norm_columns, n_binaries, lows, highs, (W_margin, b_margin))


def _add_target_row(program: _Encoding, activations: _Affine,
                    logit_margin: tuple[np.ndarray, np.ndarray], target: int,
                    margin: float) -> None:
    """Add to ``program`` the row "``logit_target - logit_predicted >= margin``", the logits
    computed from the last hidden layer's ``activations`` (an affine function of its columns)."""
    W_margin, b_margin = logit_margin
    matrix, offset = activations.of(W_margin[:, [target]], b_margin[[target]])
    program.rows(matrix, activations.columns, margin - offset, np.inf)


def _bounds_reaching(model: MLPClassifier, region: _Region, network: _NetworkProgram,
                     target: int, margin: float, rounds: int = TARGET_BOUND_ROUNDS):
    """Hidden bounds over the changes in the region that reach ``target``, or None if none does.

    Only those changes matter to the program of that one class, so every unit of open sign gets
    its smallest and largest pre-activation again over the LP relaxation of the whole network
    with the row "``logit_target - logit_predicted >= margin``" added; round after round, each
    over the relaxation of the bounds found before, until a round fixes the sign of no further
    unit (at most ``rounds``). The bounds still hold for every change that reaches the class
    (the relaxation contains them all), and many more units get a fixed sign. None: the
    relaxation has no point, so no change in the region reaches ``target``.
    """
    lows = [low.copy() for low in network.lows]
    highs = [high.copy() for high in network.highs]
    n_open = _count_open(lows, highs)
    for _ in range(rounds):
        encoded = region.encode(model, lows, highs, len(lows), with_size=False)
        _add_target_row(encoded.program, encoded.activations, network.logit_margin, target,
                        margin)
        for lo, hi, pre in zip(lows, highs, encoded.pre_activations):
            for j in np.flatnonzero((lo < 0) & (hi > 0)):
                found = _lp_range(encoded.program, pre.columns, pre.matrix[j], pre.offset[j],
                                  lo[j], hi[j])
                if found is None:
                    return None
                lo[j], hi[j] = found
        n_open, before = _count_open(lows, highs), n_open
        if n_open == before:
            break
    return lows, highs


def _count_open(lows: list[np.ndarray], highs: list[np.ndarray]) -> int:
    """How many hidden units the bounds leave of open sign (``low < 0 < high``)."""
    return sum(int(np.sum((lo < 0) & (hi > 0))) for lo, hi in zip(lows, highs))


def _program_reaching(model: MLPClassifier, region: _Region, network: _NetworkProgram,
                      target: int, method: str, margin: float) -> _Encoded | None:
    """The program of the changes in the region (with the norm's columns) that reach
    ``target``, over bounds tightened for that class with ``method="lp"``
    (:func:`_bounds_reaching`); None if no change in the region reaches it."""
    bounds = (network.lows, network.highs)
    if method == "lp":
        bounds = _bounds_reaching(model, region, network, target, margin)
        if bounds is None:
            return None
    encoded = region.encode(model, *bounds, len(bounds[0]), with_size=True)
    _add_target_row(encoded.program, encoded.activations, network.logit_margin, target,
                        margin)
    return encoded
