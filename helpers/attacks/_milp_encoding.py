"""The mixed-integer encoding of a ReLU network behind :mod:`helpers.attacks.milp`.

The search region around one row (:class:`Region`); pre-activation bounds by interval arithmetic
(exact over the region for the first layer, an L1 ball included) and by LP (:func:`hidden_bounds`,
and again for the changes that reach one class, :func:`_bounds_reaching`); the program of a whole
network with the classes a change may reach (:func:`network_program`, :func:`program_reaching`);
and the smallest change inside one linear region of the network (:func:`region_minimum`). The
programs are :class:`helpers.attacks._highs.Program`. See :mod:`helpers.attacks.milp` for the
method.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from sklearn.neural_network import MLPClassifier

from helpers import gradients
from helpers.attacks._highs import L1_LP_OPTIONS, Program, Relaxation

#: At most how often the bounds of one class's program are tightened with that class's logit
#: condition (each round gives every unit of open sign its smallest and largest pre-activation
#: again); the rounds stop earlier once one leaves no further unit with a fixed sign.
TARGET_BOUND_ROUNDS: int = 8

def interval(W: np.ndarray, b: np.ndarray, low: np.ndarray, high: np.ndarray):
    """Bounds of ``a @ W + b`` over the box ``low <= a <= high``."""
    positive, negative = np.maximum(W, 0.0), np.minimum(W, 0.0)
    return low @ positive + high @ negative + b, high @ positive + low @ negative + b


def _l1_ball_range(W: np.ndarray, b: np.ndarray, x0: np.ndarray, radius: float,
                   low: np.ndarray, high: np.ndarray):
    """Exact bounds of ``x @ W + b`` over ``||x - x0||_1 <= radius``, ``low <= x <= high``.

    A fractional knapsack per unit: the budget goes to the pixels of largest ``|W|`` first, each
    as far as the box lets it move the way that helps.
    """
    z0 = x0 @ W + b

    def largest_increase(G: np.ndarray) -> np.ndarray:
        room = np.where(G > 0, (high - x0)[:, None], (x0 - low)[:, None])
        order = np.argsort(-np.abs(G), axis=0, kind="stable")
        gain = np.take_along_axis(np.abs(G), order, axis=0)
        room = np.take_along_axis(room, order, axis=0)
        spent_before = np.cumsum(room, axis=0) - room
        return (gain * np.clip(radius - spent_before, 0.0, room)).sum(axis=0)

    return z0 - largest_increase(-W), z0 + largest_increase(W)


def _output_weights(model: MLPClassifier) -> tuple[np.ndarray, np.ndarray]:
    """Logit weights (n_last_hidden, n_classes) and biases; two classes get the logits (0, s)."""
    W, b = model.coefs_[-1], model.intercepts_[-1]
    if W.shape[1] == 1:  # binary: P(class 1) = sigmoid(s), the softmax of (0, s)
        W = np.hstack([np.zeros_like(W), W])
        b = np.concatenate([[0.0], b])
    return W, b


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

    def at(self, values: np.ndarray) -> np.ndarray:
        """The activations at a point ``values`` of the program (all its columns)."""
        return self.matrix @ values[self.columns] + self.offset


class Encoded(NamedTuple):
    """What :meth:`Region.encode` builds: the program, the last layer's activations, the norm's
    columns, the number of binaries, each layer's pre-activations (all units), and the input,
    every one an affine function over the program's columns."""

    program: Program
    activations: _Affine
    norm_columns: np.ndarray
    n_binaries: int
    pre_activations: list[_Affine]
    input: _Affine


@dataclass
class Region:
    """The search region around one row: the ball of radius ``eps_high`` in ``norm`` cut to the
    box ``clip``, sizes at least ``eps_low``; ``deadline`` (``time.perf_counter()``) ends all
    work on it."""

    x0: np.ndarray
    norm: str
    eps_low: float
    eps_high: float
    clip: tuple[float, float]
    deadline: float = field(default=np.inf)

    @property
    def box(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.maximum(self.x0 - self.eps_high, self.clip[0]),
                np.minimum(self.x0 + self.eps_high, self.clip[1]))

    def _size_rows(self, program: Program, model: MLPClassifier, open_: np.ndarray,
                   z: np.ndarray, a: np.ndarray, d: np.ndarray, eps: int) -> None:
        """Big-M rows of the first layer's open units that shrink with the size ``eps``.

        Over ``|x - x0| <= eps`` in the box, a first-layer unit moves from its value ``z0`` at
        ``x0`` by at most ``eps`` times ``s_up`` up and ``s_down`` down (the sums of ``|w|``
        over the pixels that can move the helpful way), so ``a <= z0 d + s_up eps`` and
        ``a <= z - z0 (1 - d) + s_down eps`` hold for ``d`` in {0, 1}; unlike the bounds over
        the whole region, they tighten as the relaxation shrinks ``eps``.
        """
        W, b = model.coefs_[0][:, open_], model.intercepts_[0][open_]
        z0 = self.x0 @ W + b
        up, down = (self.x0 < self.clip[1])[:, None], (self.x0 > self.clip[0])[:, None]
        s_up = np.where(W > 0, W * up, -W * down).sum(axis=0)
        s_down = np.where(W > 0, W * down, -W * up).sum(axis=0)
        for j in range(len(open_)):
            program.rows(np.array([[1.0, -z0[j], -s_up[j]]]), [a[j], d[j], eps], -np.inf, 0.0)
            program.rows(np.array([[1.0, -1.0, -z0[j], -s_down[j]]]), [a[j], z[j], d[j], eps],
                         -np.inf, -z0[j])

    def relaxation(self, program: Program) -> Relaxation:
        """The LP relaxation of ``program``, with the options of this region's norm."""
        return Relaxation(program, L1_LP_OPTIONS if self.norm == "1" else None)

    def left(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.perf_counter()

    def first_layer_range(self, W: np.ndarray, b: np.ndarray):
        """Exact bounds of the first layer's pre-activations over the region."""
        low, high = self.box
        lo, hi = interval(W, b, low, high)
        if self.norm == "1":
            l1_lo, l1_hi = _l1_ball_range(W, b, self.x0, self.eps_high, low, high)
            lo, hi = np.maximum(lo, l1_lo), np.minimum(hi, l1_hi)
        return lo, hi

    def encode(self, model: MLPClassifier, lows: list, highs: list, n_layers: int,
               with_size: bool = True) -> Encoded:
        """Program of the first ``n_layers`` hidden layers (an :class:`Encoded`).

        Columns: the input's block, then, layer by layer, the ``z`` of the units whose sign the
        bounds leave open, their ``a`` and their binaries. L-infinity: ``x`` and one ``eps``
        with ``-eps <= x_i - x0_i <= eps``, and big-M rows of the first layer that shrink with
        ``eps`` (:meth:`_size_rows`; without ``with_size``, ``eps`` is left out: the box alone
        is then the ball, which is all that bounds need). L1: ``x = x0 + p - m`` with
        ``p, m >= 0`` inside the box and ``eps_low <= sum(p + m) <= eps_high``, no other row.
        A unit of fixed sign gets no variable: its activation is an affine function of the
        columns below (zero if always off, its ``z`` if always on), carried to the next layer,
        so the program holds one dense row per open unit (and per output constraint) instead
        of one per unit.
        """
        program = Program()
        n = len(self.x0)
        low, high = self.box
        if self.norm == "inf":
            x = program.variables(low, high)
            identity = _Affine(x, np.eye(n), np.zeros(n))
            norm_columns = np.array([], dtype=int)
            if with_size:  # -eps <= x_i - x0_i <= eps
                eps = program.variables([self.eps_low], [self.eps_high])
                columns, ones = np.concatenate([x, eps]), np.ones((n, 1))
                program.rows(np.hstack([np.eye(n), -ones]), columns, -np.inf, self.x0)
                program.rows(np.hstack([np.eye(n), ones]), columns, self.x0, np.inf)
                norm_columns = eps
        else:
            plus = program.variables(np.zeros(n), high - self.x0)
            minus = program.variables(np.zeros(n), self.x0 - low)
            norm_columns = np.concatenate([plus, minus])
            program.rows(np.ones((1, 2 * n)), norm_columns, self.eps_low, self.eps_high)
            identity = _Affine(norm_columns, np.hstack([np.eye(n), -np.eye(n)]), self.x0.copy())
        activations = identity
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
            if k == 0 and self.norm == "inf" and with_size:
                self._size_rows(program, model, open_, z, a, d, norm_columns[0])
            # always on: a = z; always off: a = 0; open: a is its own column
            on = lo >= 0
            matrix, offset = matrix * on[:, None], offset * on
            own = np.zeros((len(lo), len(open_)))
            own[open_, np.arange(len(open_))] = 1.0
            activations = _Affine(np.concatenate([activations.columns, a]),
                                  np.hstack([matrix, own]), offset)
        return Encoded(program, activations, norm_columns, n_binaries, pre_activations,
                        identity)


def hidden_bounds(model: MLPClassifier, region: Region, method: str):
    """Pre-activation bounds ``(lows, highs)`` of every hidden layer over the region.

    The first layer's are exact (:meth:`Region.first_layer_range`); then interval arithmetic,
    layer by layer, and with ``method="lp"`` every unit that the intervals leave undecided
    (``l < 0 < u``) gets the smallest and largest pre-activation over the LP relaxation of the
    layers below (until the region's deadline).
    """
    lows: list[np.ndarray] = []
    highs: list[np.ndarray] = []
    for k in range(len(model.coefs_) - 1):
        W, b = model.coefs_[k], model.intercepts_[k]
        if k == 0:
            lo, hi = region.first_layer_range(W, b)
        else:
            lo, hi = interval(W, b, np.maximum(lows[-1], 0.0), np.maximum(highs[-1], 0.0))
        undecided = np.flatnonzero((lo < 0) & (hi > 0))
        if method == "lp" and k >= 1 and len(undecided) and region.left() > 0:
            encoded = region.encode(model, lows, highs, k, with_size=False)
            relaxation = region.relaxation(encoded.program)
            matrix, offset = encoded.activations.of(W, b)
            for j in undecided:
                lo[j], hi[j] = relaxation.range(encoded.activations.columns, matrix[j],
                                                offset[j], lo[j], hi[j],
                                                region.deadline) or (lo[j], hi[j])
        lows.append(lo)
        highs.append(hi)
    return lows, highs


class NetworkProgram(NamedTuple):
    """What :func:`network_program` builds for one row.

    ``program``; the last hidden layer's ``activations`` (an affine function of the program's
    columns); the logit differences ``logit_t - logit_predicted`` as
    ``margins @ v[activations.columns] + offsets`` (one row per class) and their bounds
    ``d_low``, ``d_high``; the reachable ``targets`` (the largest ``d_high`` first); the
    norm's columns; the binaries; the hidden bounds ``lows``, ``highs``; the
    logit-difference weights ``(W_margin, b_margin)`` over the last hidden layer; and the input
    as an affine function of the columns.
    """

    program: Program
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
    input: _Affine


def predicted_index(model: MLPClassifier, x: np.ndarray) -> int:
    """The index of the class the network predicts at the row ``x``."""
    return int(gradients.logits(model, x[None, :]).argmax())


def network_program(model: MLPClassifier, region: Region, method: str, margin: float,
                     with_size: bool = False) -> NetworkProgram:
    """The network's program over the region, and the classes a change inside it may reach
    (a :class:`NetworkProgram`)."""
    predicted = predicted_index(model, region.x0)
    lows, highs = hidden_bounds(model, region, method)
    encoded = region.encode(model, lows, highs, len(lows), with_size=with_size)
    last = encoded.activations
    W, b = _output_weights(model)
    W_margin, b_margin = W - W[:, [predicted]], b - b[predicted]  # logit_t - logit_predicted
    d_low, d_high = interval(W_margin, b_margin, np.maximum(lows[-1], 0.0),
                              np.maximum(highs[-1], 0.0))
    matrix, offset = last.of(W_margin, b_margin)
    targets = [t for t in range(W.shape[1]) if t != predicted]
    if method == "lp" and region.left() > 0:
        relaxation = region.relaxation(encoded.program)
        for t in targets:
            d_low[t], d_high[t] = relaxation.range(last.columns, matrix[t], offset[t], d_low[t],
                                                   d_high[t], region.deadline) or (d_low[t],
                                                                                   d_high[t])
    targets = sorted((t for t in targets if d_high[t] >= margin), key=lambda t: -d_high[t])
    return NetworkProgram(encoded.program, last, matrix, offset, targets, d_low, d_high,
                           encoded.norm_columns, encoded.n_binaries, lows, highs,
                           (W_margin, b_margin), encoded.input)


def _add_target_row(program: Program, activations: _Affine,
                    logit_margin: tuple[np.ndarray, np.ndarray], target: int,
                    margin: float) -> None:
    """Add to ``program`` the row "``logit_target - logit_predicted >= margin``", the logits
    computed from the last hidden layer's ``activations`` (an affine function of its columns)."""
    W_margin, b_margin = logit_margin
    matrix, offset = activations.of(W_margin[:, [target]], b_margin[[target]])
    program.rows(matrix, activations.columns, margin - offset, np.inf)


def _bounds_reaching(model: MLPClassifier, region: Region, network: NetworkProgram,
                     target: int, margin: float, rounds: int = TARGET_BOUND_ROUNDS):
    """Hidden bounds over the changes in the region that reach ``target``, or None if none does.

    Only those changes matter to the program of that one class, so every unit of open sign gets
    its smallest and largest pre-activation again over the LP relaxation of the whole network
    with the row "``logit_target - logit_predicted >= margin``" added; round after round, each
    over the relaxation of the bounds found before, until a round fixes the sign of no further
    unit (at most ``rounds``) or the region's deadline passes. The bounds still hold for every
    change that reaches the class (the relaxation contains them all), and many more units get
    a fixed sign. None: the relaxation has no point, so no change in the region reaches
    ``target``.
    """
    lows = [low.copy() for low in network.lows]
    highs = [high.copy() for high in network.highs]
    n_open = _count_open(lows, highs)
    for _ in range(rounds):
        if region.left() <= 0:
            break
        encoded = region.encode(model, lows, highs, len(lows), with_size=False)
        _add_target_row(encoded.program, encoded.activations, network.logit_margin, target,
                        margin)
        relaxation = region.relaxation(encoded.program)
        for lo, hi, pre in zip(lows, highs, encoded.pre_activations):
            for j in np.flatnonzero((lo < 0) & (hi > 0)):
                found = relaxation.range(pre.columns, pre.matrix[j], pre.offset[j], lo[j], hi[j],
                                         region.deadline)
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


def program_reaching(model: MLPClassifier, region: Region, network: NetworkProgram,
                      target: int, method: str, margin: float,
                      with_size: bool = True) -> Encoded | None:
    """The program of the changes in the region (with the norm's columns unless
    ``with_size=False``) that reach ``target``, over bounds tightened for that class with
    ``method="lp"`` (:func:`_bounds_reaching`); None if no change in the region reaches it."""
    bounds = (network.lows, network.highs)
    if method == "lp":
        bounds = _bounds_reaching(model, region, network, target, margin)
        if bounds is None:
            return None
    encoded = region.encode(model, *bounds, len(bounds[0]), with_size=with_size)
    _add_target_row(encoded.program, encoded.activations, network.logit_margin, target,
                    margin)
    return encoded


def region_minimum(model: MLPClassifier, x0: np.ndarray, x_fooling: np.ndarray, norm: str,
                    clip: tuple[float, float], margin: float,
                    time_limit: float) -> np.ndarray | None:
    """The smallest change from ``x0`` inside the linear region of the network that holds
    ``x_fooling``, towards the class predicted there: a linear program (every hidden unit keeps
    its sign at ``x_fooling``). A local minimum that an attack's change can only improve on;
    None if the program finds nothing (``x_fooling`` is on the region's edge within tolerances).
    """
    predicted, target = predicted_index(model, x0), predicted_index(model, x_fooling)
    radius = np.abs(x_fooling - x0)
    region = Region(x0, norm, 0.0, float(radius.max() if norm == "inf" else radius.sum()) + 1e-9,
                     clip)
    lows, highs = [], []
    a = x_fooling
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        z = a @ W + b
        on = z > 0  # a unit at exactly 0 is taken as off: either side gives the same output
        lows.append(np.where(on, 0.0, -np.inf))
        highs.append(np.where(on, np.inf, 0.0))
        a = np.maximum(z, 0.0)
    encoded = region.encode(model, lows, highs, len(lows), with_size=True)
    program = encoded.program
    for pre, lo in zip(encoded.pre_activations, lows):  # each unit keeps its sign
        on = lo >= 0
        program.rows(pre.matrix[on], pre.columns, -pre.offset[on], np.inf)
        program.rows(pre.matrix[~on], pre.columns, -np.inf, -pre.offset[~on])
    W, b = _output_weights(model)
    logit_margin = (W - W[:, [predicted]], b - b[predicted])
    _add_target_row(program, encoded.activations, logit_margin, target, margin)
    found = program.solve(program.objective(encoded.norm_columns, 1.0), False, time_limit)
    if found.x is None:
        return None
    return np.clip(encoded.input.at(found.x), *clip)
