"""The committed results of ``benchmarks/peers.py`` (the helpers, Gurobi and SCIP on the same
digits) hold together: the minima agree wherever two solvers proved them, the report names the
commands that produced it and says what the table says, and the digits are those of the rule
``benchmarks/exact.py`` uses. Runs in CI: it reads the tables, no solver is needed.
"""

import csv
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import peers  # noqa: E402

with peers.TABLE.open(newline="") as _source:
    TABLE = list(csv.DictReader(_source))
REPORT = peers.REPORT.read_text(encoding="utf-8")
PAIRS = [("helpers", "gurobi"), ("helpers", "scip"), ("gurobi", "scip")]


@pytest.mark.parametrize("first, second", PAIRS)
def test_every_digit_both_solvers_proved_has_the_same_minimum(first, second):
    both = [r for r in TABLE if r[f"{first} status"] == r[f"{second} status"] == "optimal"]
    for r in both:
        a, b = float(r[f"{first} eps"]), float(r[f"{second} eps"])
        assert abs(b - a) <= peers.AGREEMENT * a, (r["test_row"], a, b)
    if first == "helpers" and second == "gurobi":
        assert both, "the helpers and Gurobi proved no digit in common: nothing was compared"


def test_no_solver_reports_a_minimum_below_what_another_proved():
    """A proven lower bound holds for every solver's change (to the gap, 1e-4)."""
    for r in TABLE:
        proved = max(float(r[f"{s} lower_bound"]) for s in peers.SOLVERS
                     if r[f"{s} status"] in ("optimal", "time limit"))
        for solver in peers.SOLVERS:
            eps = float(r[f"{solver} eps"])
            assert eps >= proved * (1 - peers.GAP), (r["test_row"], solver)


def test_the_helpers_changes_fool_the_network():
    found = [r for r in TABLE if np.isfinite(float(r["helpers eps"]))]
    assert found and all(r["helpers fooled"] == "True" for r in found)


def test_the_peers_hold_their_time_limit():
    for solver in ("gurobi", "scip"):
        assert max(float(r[f"{solver} seconds"]) for r in TABLE) <= 1.1 * peers.TIME_LIMIT


def test_the_report_names_the_commands_that_produced_it():
    records = [json.loads(line) for line in peers.PROGRESS.read_text().splitlines() if line]
    solved = {(r["row"], r["solver"]): r for r in records}
    line = peers.command_line(solved, len(TABLE))
    assert line in REPORT.splitlines()[:4]
    assert re.search(r"benchmarks/peers\.py bounds --n-digits \d+", line)
    assert f"benchmarks/peers.py summary --n-digits {len(TABLE)}" in line
    assert all(" solve " in r["command"] for r in records)
    assert {(int(r["test_row"]), s) for r in TABLE for s in peers.SOLVERS} == set(solved)


def test_the_report_says_what_the_table_says():
    for line in peers.agreement_lines(TABLE):
        assert line in REPORT
    for solver in peers.SOLVERS:
        optimal = sum(r[f"{solver} status"] == "optimal" for r in TABLE)
        assert f"| {solver} | {len(TABLE)} | {optimal} (" in REPORT


def test_the_report_states_the_license_and_the_versions():
    assert "size-limited license" in REPORT and "2,000 variables" in REPORT
    refused = sum(r["gurobi status"] == "license limit" for r in TABLE)
    assert ("within both limits" in REPORT) == (refused == 0)
    for package in ("gurobipy", "gurobi-machinelearning", "PySCIPOpt", "scipy"):
        assert re.search(rf"{package} \d", REPORT), package


def test_the_digits_are_the_first_of_the_exact_benchmarks_order():
    _, _, y, rows, _, _ = peers.benchmark_digits(len(TABLE))
    assert [int(r["test_row"]) for r in TABLE] == [int(r) for r in rows]
    assert [int(r["label"]) for r in TABLE] == [int(y[r]) for r in rows]
