"""Benchmark: the exact L-infinity minimum of the 10-class standard network by the helpers, Gurobi, SCIP.

The same problem through the tools a reader would try instead of
:func:`helpers.attacks.minimal_perturbation_relu` (HiGHS through ``scipy.optimize.milp``), on
the same digits, on the same machine, side by side in one run: Gurobi through
gurobi-machinelearning and SCIP through PySCIPOpt (``benchmarks/peer_solvers.py`` says how each
is posed). Benchmark-only dependencies: ``.venv/bin/pip install -r benchmarks/requirements.txt``
(pip's gurobipy comes with a size-limited license, which this network's model fits: see the
results).

Run from the repository root (two processes, one per core, each solver with one thread)::

    export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
    run=".venv/bin/python benchmarks/peers.py"
    $run bounds --n-digits 24
    $run solve --n-digits 24 --part 0 --parts 2 & $run solve --n-digits 24 --part 1 --parts 2 &
    wait
    $run summary --n-digits 24

About 12 minutes (the committed run: 24 digits, two processes; SCIP, stopped by the time limit
on half of them, takes most of it). More digits cost about a minute per two digits.

The network is :func:`helpers.models.mnist_standard_network` fitted on all ten bundled digits
(the series' split: a quarter held out, seed 0); the digits are the first ``--n-digits``
correctly classified test digits in a seeded random order (seed 0), the rule of
``benchmarks/exact.py``'s ``benchmark_digits``. ``bounds`` starts a run afresh (it empties the
progress file below) and computes each digit's cap once: the smaller of two PGD sizes
(:func:`helpers.attacks.smallest_pgd` on the log-loss and on the surrogate margin), stored in
``benchmarks/results/peers-bounds.json``. ``solve`` gives every
solver, digit after digit, the same problem: the pixel box cut to the ball of that radius, the
margin 1e-6 by which another class's logit must beat the predicted one, a relative gap of 1e-4,
a time limit of 60 s per digit (everything included), one thread. Each answer is appended to
``benchmarks/results/peers.jsonl`` as it comes (the progress file: a stopped run resumes,
skipping what is there). ``summary`` writes ``benchmarks/results/peers.md`` and ``peers.csv``
(one row per digit): per solver the digits proven optimal and the time percentiles, the agreement
of the minima (relative 1e-3) on every digit two solvers both proved, and the time ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

import exact  # benchmarks/exact.py, beside this script
from helpers import attacks

RESULTS = Path(__file__).resolve().parent / "results"
PROGRESS = RESULTS / "peers.jsonl"
BOUNDS = RESULTS / "peers-bounds.json"
TABLE = RESULTS / "peers.csv"
REPORT = RESULTS / "peers.md"
SCRIPT = ".venv/bin/python benchmarks/peers.py"
SOLVERS = ("helpers", "gurobi", "scip")
SEED = 0
TIME_LIMIT = 60.0
MARGIN = 1e-6
GAP = 1e-4
#: Two minima agree when they differ by at most this, relative to the helpers' (issue 22).
AGREEMENT = 1e-3
#: What the size-limited license of pip's gurobipy allows (Gurobi's documentation).
LICENSE_LIMITS = {"variables": 2000, "linear constraints": 2000}
KEYS = ("eps", "status", "lower_bound", "seconds", "binaries", "fooled")


def benchmark_digits(n_digits: int):
    """The fitted 10-class network, the test split, the benchmark's rows of it, and the number
    and accuracy of the correctly classified test digits: ``benchmarks/exact.py``'s."""
    return exact.benchmark_digits(n_digits, "standard")


def bounds(n_digits: int, command: str) -> None:
    """Start a run: empty the progress file, store each digit's cap (the smaller of the two PGD
    sizes) and the ``command`` run."""
    PROGRESS.unlink(missing_ok=True)  # answers solved within other caps are not this run's
    net, X, y, rows, _, _ = benchmark_digits(n_digits)
    sizes = [attacks.smallest_pgd(net, X[rows], y[rows], loss=loss)
             for loss in ("log-loss", "surrogate margin")]
    upper = np.min([np.where(s.fooled, s.eps, np.inf) for s in sizes], axis=0)
    BOUNDS.write_text(json.dumps({"command": command, "rows": [int(r) for r in rows],
                                  "upper_bound": [float(u) for u in upper]}))


def _bounds(rows: np.ndarray) -> np.ndarray:
    stored = json.loads(BOUNDS.read_text()) if BOUNDS.exists() else {"rows": []}
    if stored["rows"][:len(rows)] != [int(r) for r in rows]:
        raise SystemExit(f"{BOUNDS.name} does not hold these digits' caps: run "
                         f"`benchmarks/peers.py bounds --n-digits {len(rows)}` first.")
    return np.array(stored["upper_bound"][:len(rows)])


def _load() -> dict[tuple[int, str], dict]:
    if not PROGRESS.exists():
        return {}
    records = map(json.loads, PROGRESS.read_text().splitlines())
    return {(r["row"], r["solver"]): r for r in records if r}


def _solve_one(solver: str, net, x0: np.ndarray, label: int, upper: float) -> dict:
    if solver == "helpers":
        found = attacks.minimal_perturbation_relu(net, x0[None], norm=np.inf, upper_bound=[upper],
                                                  time_limit=TIME_LIMIT)
        answer = {"eps": found.eps[0], "status": found.status[0],
                  "lower_bound": found.lower_bound[0], "seconds": found.solve_time[0],
                  "binaries": int(found.n_binaries[0])}
        x_adv = found.x_adv[0]
    else:
        import peer_solvers  # benchmark-only packages: only `solve` needs them

        solve = {"gurobi": peer_solvers.solve_gurobi, "scip": peer_solvers.solve_scip}[solver]
        found = solve(net, x0, upper, TIME_LIMIT, MARGIN, GAP)
        answer = {"eps": found.eps, "status": found.status, "lower_bound": found.lower_bound,
                  "seconds": found.seconds, "binaries": found.size["binaries"],
                  "size": found.size}
        x_adv = found.x_adv
    fooled = bool(np.all(np.isfinite(x_adv)) and net.predict(x_adv[None])[0] != label)
    return {key: float(value) if isinstance(value, np.floating) else value
            for key, value in answer.items()} | {"fooled": fooled}


def solve(n_digits: int, command: str, part: int = 0, parts: int = 1) -> None:
    """Solve this part's digits with every solver; each record names the ``command`` run and the
    load average (1 min) when its digit started."""
    net, X, y, rows, _, _ = benchmark_digits(n_digits)
    upper = _bounds(rows)
    mine = np.arange(len(rows)) % parts == part  # this process's share of the digits
    for row, cap in zip(rows[mine], upper[mine]):
        for solver in SOLVERS:
            if (int(row), solver) in _load():  # by this run, an earlier one, or another part
                continue
            record = {"row": int(row), "solver": solver, "upper_bound": float(cap),
                      "command": command, "load": os.getloadavg()[0]}
            record |= _solve_one(solver, net, X[row], int(y[row]), float(cap))
            with PROGRESS.open("a") as out:
                out.write(json.dumps(record) + "\n")
            print(json.dumps(record), flush=True)


def _write_table(rows: np.ndarray, y: np.ndarray, solved: dict) -> None:
    """``peers.csv``: one row per benchmark digit, every solver's answer side by side."""
    table = []
    for row in rows:
        line = {"test_row": int(row), "label": int(y[row]),
                "upper_bound": solved.get((int(row), SOLVERS[0]), {}).get("upper_bound", "")}
        for solver in SOLVERS:
            answer = solved.get((int(row), solver), {})
            line |= {f"{solver} {key}": answer.get(key, "") for key in KEYS}
        table.append(line)
    with TABLE.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


def agreement_lines(table: list[dict]) -> list[str]:
    """Per pair of solvers, on the digits both finished: agreement of the proven minima and time
    ratios (the second's time over the first's). ``table`` as ``peers.csv`` reads back."""
    lines = []
    for first, second in (("helpers", "gurobi"), ("helpers", "scip"), ("gurobi", "scip")):
        both = [r for r in table if r[f"{first} status"] == r[f"{second} status"] == "optimal"]
        if not both:
            lines.append(f"- {second} vs {first}: no digit proven by both")
            continue
        a, b = (np.array([float(r[f"{s} eps"]) for r in both]) for s in (first, second))
        relative = np.abs(b - a) / a
        ratio = np.array([float(r[f"{second} seconds"]) / float(r[f"{first} seconds"])
                          for r in both])
        lines.append(
            f"- {second} vs {first}, the {len(both)} digits both proved: same minimum (relative "
            f"{AGREEMENT:g}) on {int(np.sum(relative <= AGREEMENT))} of {len(both)} (largest "
            f"relative difference {relative.max():.1e}); time ratio {second} / {first}: median "
            f"{np.median(ratio):.2f} (range {ratio.min():.2f}-{ratio.max():.2f})")
    return lines


def _versions() -> str:
    names = ("numpy", "scipy", "scikit-learn", "gurobipy", "gurobi-machinelearning", "PySCIPOpt")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def _binaries(solver: str, done: list[dict]) -> str:
    """The median binaries; none for Gurobi, whose binaries for the units it makes itself."""
    if solver == "gurobi":
        return "—"
    return f"{np.median([float(r[f'{solver} binaries']) for r in done]):.0f}"


def _solver_lines(table: list[dict]) -> list[str]:
    lines = ["| solver | digits | proven optimal | time median (s) | p90 (s) | max (s) | "
             "binaries median | changes misclassified by `predict` |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for solver in SOLVERS:
        done = [r for r in table if r[f"{solver} status"] != ""]
        if not done:
            lines.append(f"| {solver} | 0 | — | — | — | — | — | — |")
            continue
        seconds = np.array([float(r[f"{solver} seconds"]) for r in done])
        optimal = sum(r[f"{solver} status"] == "optimal" for r in done)
        found = [r for r in done if np.isfinite(float(r[f"{solver} eps"]))]
        fooled = sum(r[f"{solver} fooled"] == "True" for r in found)
        lines.append(
            f"| {solver} | {len(done)} | {optimal} ({optimal / len(done):.0%}) | "
            f"{np.median(seconds):.2f} | {np.quantile(seconds, 0.9):.2f} | {seconds.max():.2f} "
            f"| {_binaries(solver, done)} | "
            f"{fooled} of {len(found)} |")
    return lines


def _license_lines(solved: dict, n_features: int) -> list[str]:
    answers = [r for (_, solver), r in solved.items() if solver == "gurobi"]
    if not answers:
        return ["No Gurobi answer yet."]
    largest = {key: max(r["size"][key] for r in answers) for key in answers[0]["size"]}
    refused = sum(r["status"] == "license limit" for r in answers)
    over = [f"{key} ({largest[key]:,} > {limit:,})" for key, limit in LICENSE_LIMITS.items()
            if largest[key] > limit]
    head = (
        f"pip's gurobipy carries a size-limited license: at most "
        f"{LICENSE_LIMITS['variables']:,} variables and {LICENSE_LIMITS['linear constraints']:,} "
        f"linear constraints. The largest model here had {largest['variables']:,} variables "
        f"({largest['binaries']} binary), {largest['linear constraints']:,} linear constraints "
        f"({2 * n_features:,} of them the rows |x - x0| <= eps) and "
        f"{largest['general constraints']} general constraints (one max(z, 0) per hidden unit, "
        "one indicator per other class)")
    if refused:
        return [f"{head}: Gurobi refused it on {refused} of {len(answers)} digits (over the "
                f"limit: {', '.join(over) or 'in no count named above'})."]
    return [f"{head}: within both limits, and Gurobi accepted it (general constraints "
            f"included) on all {len(answers)} digits, so the 4-class network (digits 0-3) was "
            "not needed in its place."]


def command_line(solved: dict, n_digits: int) -> str:
    """The commands that produced the results: the caps', each solving process's, the summary's."""
    cap = json.loads(BOUNDS.read_text())["command"]
    runs = sorted({r["command"] for r in solved.values()})
    solving = (f"`{runs[0]}`" if len(runs) == 1 else
               f"{len(runs)} solving processes side by side, " + ", ".join(f"`{r}`" for r in runs))
    return (f"Command (from the repository root, after `export OPENBLAS_NUM_THREADS=1 "
            f"OMP_NUM_THREADS=1`): `{cap}`, then {solving}, then "
            f"`{SCRIPT} summary --n-digits {n_digits}`.")


def summary(n_digits: int) -> None:
    net, X, y, rows, n_correct, accuracy = benchmark_digits(n_digits)
    solved = _load()
    loads = [r["load"] for r in solved.values()]
    _write_table(rows, y, solved)
    table = _read_table()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    lines = [
        "# The exact L-infinity minimum through three solvers: the helpers (HiGHS), Gurobi, SCIP",
        "",
        command_line(solved, n_digits),
        "",
        f"- summary written: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical "
        f"cores, {platform.platform()}; load average (1, 5, 15 min) at the summary: "
        + ", ".join(f"{v:.1f}" for v in os.getloadavg()) + "; during the solves (1 min, as "
        f"each solver started its digit): median {np.median(loads):.1f}, max {max(loads):.1f}",
        f"- Python {platform.python_version()}; {_versions()}",
        f"- network: `models.mnist_standard_network()` (784-50-20-10, ReLU) on the ten bundled "
        f"digits, test accuracy {accuracy:.3f}; {n_correct} correctly classified test digits, of "
        f"which the first {len(rows)} in a seeded random order (seed {SEED}; the rule of "
        "`benchmarks/exact.py`) are the benchmark's digits",
        f"- every solver, every digit: the pixel box cut to the L-infinity ball of the smaller "
        f"PGD size (log-loss; surrogate margin) and eps at most that size; another logit at "
        f"least {MARGIN:g} above the predicted one; relative gap {GAP:g}; time limit "
        f"{TIME_LIMIT:g} s for everything (bounds and model building included); one thread",
        "- helpers: `attacks.minimal_perturbation_relu` (its defaults: LP-tightened bounds, one "
        "program per class); Gurobi: gurobi-machinelearning's formulation (a max(z, 0) general "
        "constraint per unit, big-M left to Gurobi), an indicator per other class; SCIP: big-M "
        "from interval bounds, a binary per unit the intervals leave open and per reachable "
        "class (`benchmarks/peer_solvers.py`)",
        "",
        "## License",
        "",
        *_license_lines(solved, X.shape[1]),
        "",
        "## Solvers",
        "",
        *_solver_lines(table),
        "",
        "Binaries: the helpers', the most that any of a digit's programs (one per class) "
        "needed, units whose sign the LP bounds leave open; SCIP's, the units the interval "
        "bounds leave open and the classes they do not rule out; Gurobi's are made inside its "
        "presolve from the max(z, 0) constraints, not counted here. Misclassified: the change "
        "found, run through the network's `predict`, gives another class than the digit's "
        "label (of the digits where a change was found).",
        "",
        "## Agreement and time",
        "",
        *agreement_lines(table),
        "",
        "Per digit: [`peers.csv`](peers.csv).",
    ]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def _read_table() -> list[dict]:
    with TABLE.open(newline="") as source:
        return list(csv.DictReader(source))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["bounds", "solve", "summary"])
    parser.add_argument("--n-digits", type=int, default=100)
    parser.add_argument("--part", type=int, default=0,
                        help="with --parts: solve only the digits i with i %% parts == part")
    parser.add_argument("--parts", type=int, default=1)
    arguments = parser.parse_args()
    if not 0 <= arguments.part < arguments.parts:
        parser.error("--part must be in 0 .. --parts - 1")
    run = " ".join([SCRIPT, *sys.argv[1:]])
    if arguments.command == "bounds":
        bounds(arguments.n_digits, run)
    elif arguments.command == "solve":
        solve(arguments.n_digits, run, arguments.part, arguments.parts)
    else:
        summary(arguments.n_digits)
