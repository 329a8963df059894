"""Sparse linear and mixed-integer programs, built in blocks and solved by HiGHS.

HiGHS (Huangfu and Hall; the solver behind ``scipy.optimize.milp``) through its own Python
interface, ``highspy``, which also lets one linear program be solved again and again with only
its objective changed (:class:`Relaxation`): each bound of :mod:`helpers.attacks.milp` then
starts from the last one's basis instead of from scratch.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Any, Iterator, NamedTuple

import highspy
import numpy as np
from scipy.sparse import coo_array

#: HiGHS options of the mixed-integer programs. Its sub-MIP heuristics cost much of the solve
#: while the attack's bound already gives a good solution (measured in ``benchmarks/exact.py``'s
#: development, one digit each): RINS and RENS 20 of 27 s, the root reduced-cost heuristic 0.4
#: of 1.1 s on one class's program. Feasibility jump, which looks for a first solution, is off as
#: well. Heuristics only propose solutions, never prove: the answer and its proof are the same
#: without them. One thread: the benchmark runs one process per core.
MIP_OPTIONS: dict[str, Any] = {"mip_heuristic_run_rins": False,
                                "mip_heuristic_run_rens": False,
                                "mip_heuristic_run_root_reduced_cost": False,
                                "mip_heuristic_run_feasibility_jump": False,
                                "threads": 1}
#: HiGHS options of the linear programs behind the bounds: one program per layer or class, its
#: objective changed for each bound, the dual simplex method restarting from the last basis
#: (about 2 ms per bound instead of 15 ms solved from scratch, measured on the standard network);
#: presolve would discard that basis.
LP_OPTIONS: dict[str, Any] = {"presolve": "off", "simplex_strategy": 1, "threads": 1}
#: Changed for L1 regions: without scaling, a bound took 10 times fewer simplex iterations (its
#: 1,568 columns of changes up and down share one row; measured on the standard network, where
#: L-infinity bounds were a little faster with scaling).
L1_LP_OPTIONS: dict[str, Any] = {"simplex_scale_strategy": 0}
_INFEASIBLE = (highspy.HighsModelStatus.kInfeasible,
               highspy.HighsModelStatus.kUnboundedOrInfeasible)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the process's standard output itself (file descriptor 1) for a moment: HiGHS
    prints a banner there when a process makes its first solver, which a notebook would show."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _new_solver(options: dict[str, Any]) -> highspy.Highs:
    """A HiGHS solver with ``options``, printing nothing."""
    with _quiet_stdout():
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    for name, value in options.items():
        highs.setOptionValue(name, value)
    return highs


class Solved(NamedTuple):
    """A solve's outcome: ``status`` 0 (optimal), 1 (stopped, e.g. by the time limit) or 2 (no
    feasible point); the best point ``x`` and its objective ``fun`` (None if none was found);
    ``dual_bound``, what is proven about the objective (None if nothing)."""

    status: int
    fun: float | None
    x: np.ndarray | None
    dual_bound: float | None


def _outcome(highs: highspy.Highs, integral: bool) -> Solved:
    status = highs.getModelStatus()
    info = highs.getInfo()
    has_point = info.primal_solution_status == 2  # HiGHS: kSolutionStatusFeasible
    x = np.array(highs.getSolution().col_value) if has_point else None
    fun = info.objective_function_value if has_point else None
    if status == highspy.HighsModelStatus.kOptimal:
        return Solved(0, fun, x, info.mip_dual_bound if integral else fun)
    if status in _INFEASIBLE:
        return Solved(2, None, None, None)
    dual = info.mip_dual_bound if integral else None
    return Solved(1, fun, x, dual if dual is not None and np.isfinite(dual) else None)


class Program:
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

    def variables(self, low: Any, high: Any, integer: bool = False) -> np.ndarray:
        """Add ``len(low)`` variables; return their columns."""
        columns = self.n_columns + np.arange(len(low))
        self.n_columns += len(low)
        self.var_low.append(np.asarray(low, dtype=float))
        self.var_high.append(np.asarray(high, dtype=float))
        self.integer.append(np.full(len(low), int(integer)))
        return columns

    def rows(self, matrix: np.ndarray, columns: Any, low: Any, high: Any) -> None:
        """Add the rows ``low <= matrix @ v[columns] <= high`` (matrix dense, zeros dropped)."""
        r, c = np.nonzero(matrix)
        self.triplets.append((matrix[r, c], self.n_rows + r, np.asarray(columns)[c]))
        n = matrix.shape[0]
        self.row_low.append(np.broadcast_to(np.asarray(low, dtype=float), n))
        self.row_high.append(np.broadcast_to(np.asarray(high, dtype=float), n))
        self.n_rows += n

    def copy(self) -> "Program":
        """A copy to which rows and variables can be added without changing this one."""
        other = Program()
        other.n_columns, other.n_rows = self.n_columns, self.n_rows
        for name in ("triplets", "row_low", "row_high", "var_low", "var_high", "integer"):
            setattr(other, name, list(getattr(self, name)))
        return other

    def objective(self, columns: np.ndarray, weights: Any) -> np.ndarray:
        """An objective vector: ``weights`` on ``columns``, zero elsewhere."""
        c = np.zeros(self.n_columns)
        c[columns] = weights
        return c

    def model(self, objective: np.ndarray, integral: bool) -> highspy.HighsLp:
        """The program as HiGHS reads it (the LP relaxation unless ``integral``)."""
        values, r, c = (np.concatenate(parts) for parts in zip(*self.triplets))
        matrix = coo_array((values, (r, c)), shape=(self.n_rows, self.n_columns)).tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n_columns, self.n_rows
        lp.col_cost_ = objective
        lp.col_lower_, lp.col_upper_ = np.concatenate(self.var_low), np.concatenate(self.var_high)
        lp.row_lower_, lp.row_upper_ = np.concatenate(self.row_low), np.concatenate(self.row_high)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_ = matrix.indptr, matrix.indices
        lp.a_matrix_.value_ = matrix.data
        if integral:
            lp.integrality_ = [highspy.HighsVarType(int(v)) for v in np.concatenate(self.integer)]
        return lp

    def solve(self, objective: np.ndarray, integral: bool, time_limit: float,
              mip_rel_gap: float = 1e-4) -> Solved:
        """Minimise ``objective`` over these rows within ``time_limit`` seconds."""
        integral = integral and any(block.any() for block in self.integer)  # else an LP
        options = MIP_OPTIONS if integral else LP_OPTIONS
        highs = _new_solver({**options, "mip_rel_gap": mip_rel_gap,
                            "time_limit": max(time_limit, 1e-3)})
        highs.passModel(self.model(objective, integral))
        highs.run()
        return _outcome(highs, integral)


class Relaxation:
    """The LP relaxation of one :class:`Program`, kept in HiGHS: each :meth:`range` changes
    only the objective, so the simplex method restarts from the last basis."""

    def __init__(self, program: Program, options: dict[str, Any] | None = None) -> None:
        self.n_columns = program.n_columns
        self.highs = _new_solver({**LP_OPTIONS, **(options or {})})
        self.highs.passModel(program.model(np.zeros(program.n_columns), False))
        self.all_columns = np.arange(program.n_columns, dtype=np.int32)

    def range(self, columns: np.ndarray, weights: np.ndarray, offset: float, low: float,
              high: float, deadline: float) -> tuple[float, float] | None:
        """``weights @ v[columns] + offset`` over the relaxation, intersected with (low, high);
        None if the relaxation has no point at all (then neither has the program). Past
        ``deadline`` (``time.perf_counter()``), (low, high) is returned as it is: still true."""
        c = np.zeros(self.n_columns)
        c[columns] = weights
        for sign in (1.0, -1.0):
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            self.highs.setOptionValue("time_limit", left)
            self.highs.changeColsCost(self.n_columns, self.all_columns, sign * c)
            self.highs.run()
            status = self.highs.getModelStatus()
            if status in _INFEASIBLE:
                return None
            if status == highspy.HighsModelStatus.kOptimal:
                value = sign * self.highs.getInfo().objective_function_value + offset
                low, high = (max(low, value), high) if sign > 0 else (low, min(high, value))
        return low, high
