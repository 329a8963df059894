"""Benchmark: the exact smallest L-infinity change that fools the series' ReLU network, by MILP.

Run from the repository root (the project's venv; nothing beyond requirements.txt)::

    export OPENBLAS_NUM_THREADS=1
    run=".venv/bin/python benchmarks/exact.py solve"
    ($run --config interval --n-digits 40; $run --config lp --part 0 --parts 2) &
    ($run --config lp --n-digits 40; $run --config disjunction --n-digits 40
     $run --config lp --part 1 --parts 2) &
    wait
    .venv/bin/python benchmarks/exact.py summary

(two processes on the two cores, one per core: the committed run, about 15 minutes; the digits'
order is fixed, so the first 40 digits are solved in all three configurations, the one process
running the interval bounds while the other runs the LP bounds and then the disjunction; the
rest with the default configuration by both processes).

``solve`` fits :func:`helpers.models.mnist_relu_network` on the bundled digits 0-3 (the series'
split), takes the first ``--n-digits`` correctly classified test digits in a seeded random order,
and for each solves :func:`helpers.attacks.minimal_perturbation_relu` (L-infinity,
``time_limit`` 60 s per digit) with the configuration ``--config``:

- ``lp``: the helper's default: interval bounds tightened by LP, layer by layer (MIPVerify), then
  one program per class, whose bounds are tightened again by LP with that class's logit
  condition added;
- ``interval``: interval bounds only, one program per class;
- ``disjunction``: the LP bounds of ``lp`` without the per-class tightening, one program with a
  binary per class choosing which class to reach.

In every configuration the search box is cut to the smaller of two PGD sizes: PGD on the
log-loss and PGD on the surrogate margin (``smallest_pgd(loss="surrogate margin")``), which
also moves the digits whose gradient is exactly zero.

Every digit's answer is appended to ``benchmarks/results/exact-<config>.jsonl`` as it is solved
(the progress file: a run can be stopped and resumed; solved digits are skipped). The attacks
(FGSM's smallest step on a grid of 0.001, PGD's smallest size by bisection with 2 random
restarts on the log-loss and on the surrogate margin, DeepFool's L-infinity size, in the pixel
box) are computed once for all digits and stored in ``benchmarks/results/exact-attacks.json``,
with whether each digit's last hidden layer is all zero.

``summary`` writes ``benchmarks/results/exact.md`` and ``exact.csv`` (one row per digit, read
by notebook 07) from those files: per configuration, the
share of digits solved to proven optimality (relative gap 1e-4), the per-digit solve time
(median, 90th percentile, maximum), the binaries; the configurations side by side on the digits
each of them finished; and the attacks' sizes divided by the exact minimum (median, 90th
percentile, maximum) over the proven-optimal digits.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import numpy as np

from helpers import attacks, data, models, network

RESULTS = Path(__file__).parent / "results"
CONFIGS = {
    "lp": {"bounds": "lp", "formulation": "per target"},
    "interval": {"bounds": "interval", "formulation": "per target"},
    "disjunction": {"bounds": "lp", "formulation": "disjunction"},
}
TIME_LIMIT = 60.0
SEED = 0


def benchmark_digits(n_digits: int):
    """The fitted network, the test split, the benchmark's digits (rows of it), and the number
    and accuracy of the correctly classified test digits."""
    X, y = data.load_mnist_digits(digits=(0, 1, 2, 3))
    X_train, X_test, y_train, y_test = data.split_digits(X, y, test_size=0.25, random_state=0)
    net = models.mnist_relu_network().fit(X_train, y_train)
    correct = np.flatnonzero(net.predict(X_test) == y_test)
    order = np.random.default_rng(SEED).permutation(correct)[:n_digits]
    return net, X_test, y_test, order, len(correct), net.score(X_test, y_test)


def _attacks(net, X, y, rows) -> dict:
    path = RESULTS / "exact-attacks.json"
    if path.exists():
        stored = json.loads(path.read_text())
        if stored["rows"][:len(rows)] == [int(r) for r in rows]:  # the same digits, or more
            return {key: values[:len(rows)] for key, values in stored.items()}
    fast = attacks.smallest_fgsm(net, X[rows], y[rows], np.arange(0.001, 0.5005, 0.001))
    pgd = attacks.smallest_pgd(net, X[rows], y[rows])
    surrogate = attacks.smallest_pgd(net, X[rows], y[rows], loss="surrogate margin")
    fool = attacks.deepfool(net, X[rows], clip=(0.0, 1.0), max_step=0.1, max_iter=100)
    stored = {
        "rows": [int(r) for r in rows],
        "last_hidden_zero": [bool(v) for v in network.last_hidden_layer_off(net, X[rows])],
        "FGSM": [float(v) for v in fast.eps],
        "PGD": [float(v) for v in pgd.eps],
        "PGD, surrogate margin": [float(v) for v in surrogate.eps],
        "DeepFool": [float(v) if ok else float("nan") for v, ok in
                     zip(np.abs(fool.delta).max(axis=1), fool.flipped)],
    }
    path.write_text(json.dumps(stored))
    return stored


def _upper_bounds(found: dict) -> np.ndarray:
    """Per digit, the smaller of the two PGD sizes (inf where neither fooled it)."""
    sizes = np.array([found["PGD"], found["PGD, surrogate margin"]], dtype=float)
    return np.nanmin(np.where(np.isnan(sizes), np.inf, sizes), axis=0)


def solve(config: str, n_digits: int, part: int = 0, parts: int = 1) -> None:
    net, X, y, rows, _, _ = benchmark_digits(n_digits)
    found = _attacks(net, X, y, rows)
    mine = np.arange(len(rows)) % parts == part  # this process's share of the digits
    progress = RESULTS / f"exact-{config}.jsonl"
    for row, upper in zip(rows[mine], _upper_bounds(found)[mine]):
        if int(row) in _load(config):  # solved already (by this run, an earlier one, or another part)
            continue
        result = attacks.minimal_perturbation_relu(net, X[[row]], upper_bound=[upper],
                                                   time_limit=TIME_LIMIT, **CONFIGS[config])
        record = {"row": int(row), "eps": float(result.eps[0]), "status": result.status[0],
                  "lower_bound": float(result.lower_bound[0]),
                  "solve_time": float(result.solve_time[0]),
                  "n_binaries": int(result.n_binaries[0]),
                  "fooled": bool(np.isfinite(result.eps[0])
                                 and net.predict(result.x_adv)[0] != y[row])}
        with progress.open("a") as out:
            out.write(json.dumps(record) + "\n")


def _load(config: str) -> dict[int, dict]:
    path = RESULTS / f"exact-{config}.jsonl"
    if not path.exists():
        return {}
    return {r["row"]: r for r in map(json.loads, path.read_text().splitlines()) if r}


def _quantiles(values) -> str:
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return "—", "—", "—"
    return tuple(f"{v:.2f}" for v in (np.median(values), np.quantile(values, 0.9), values.max()))


def _write_table(found: dict, solved: dict[str, dict[int, dict]], y: np.ndarray) -> None:
    """``exact.csv``: one row per benchmark digit, the attacks' sizes and each configuration's
    answer (what notebook 07 reads)."""
    columns = ["test_row", "label", "last_hidden_zero", "FGSM", "PGD", "PGD, surrogate margin",
               "DeepFool"]
    keys = ("eps", "status", "lower_bound", "solve_time", "n_binaries")
    columns += [f"{config} {key}" for config in CONFIGS for key in keys]
    with (RESULTS / "exact.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for i, row in enumerate(found["rows"]):
            values = [row, int(y[row]), found["last_hidden_zero"][i]]
            values += [found[a][i] for a in ("FGSM", "PGD", "PGD, surrogate margin", "DeepFool")]
            for config in CONFIGS:
                answer = solved[config].get(row, {})
                values += [answer.get(key, "") for key in keys]
            writer.writerow(values)


def summary(n_digits: int) -> None:
    net, X, y, rows, n_correct, accuracy = benchmark_digits(n_digits)
    found = _attacks(net, X, y, rows)
    solved = {config: _load(config) for config in CONFIGS}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    lines = [
        "# Exact minimal L-infinity changes of the ReLU network (MILP, HiGHS)",
        "",
        "Produced by `benchmarks/exact.py` (commands in its docstring; one BLAS thread, two "
        "processes on the 2 cores: the first 40 digits in all three configurations, interval "
        "bounds in one process while the other ran lp and then disjunction; the rest with lp "
        "by both processes).",
        "",
        f"- summary written: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical "
        f"cores, {platform.platform()}; load average (1, 5, 15 min) at the summary: "
        + ", ".join(f"{v:.1f}" for v in os.getloadavg()),
        f"- Python {platform.python_version()}; numpy {version('numpy')}, scipy "
        f"{version('scipy')} (HiGHS), scikit-learn {version('scikit-learn')}",
        f"- network: `models.mnist_relu_network()` (784-50-20-2-4, ReLU), test accuracy "
        f"{accuracy:.3f}; {n_correct} correctly classified test digits, of which the first "
        f"{len(rows)} in a seeded random order (seed {SEED}) are the benchmark's digits",
        f"- each digit: time limit {TIME_LIMIT:g} s, relative gap 1e-4, box cut to the smaller "
        "of the two PGD sizes (log-loss; surrogate margin)",
        "",
        "## Solver",
        "",
        "| configuration | digits finished | proven optimal | time median (s) | p90 (s) | "
        "max (s) | binaries median | binaries max | proven lower bound / attack size, median |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for config, results in solved.items():
        if not results:
            continue
        times = [r["solve_time"] for r in results.values()]
        binaries = [r["n_binaries"] for r in results.values()]
        optimal = sum(r["status"] == "optimal" for r in results.values())
        position = {row: i for i, row in enumerate(found["rows"])}
        upper = _upper_bounds(found)
        proven = np.median([r["lower_bound"] / upper[position[r["row"]]]
                            for r in results.values()])
        lines.append(
            f"| {config} ({CONFIGS[config]['bounds']} bounds, {CONFIGS[config]['formulation']}) "
            f"| {len(results)} of {len(rows)} | {optimal} ({optimal / len(results):.1%}) | "
            + " | ".join(_quantiles(times))
            + f" | {np.median(binaries):.0f} | {max(binaries)} | {proven:.2f} |")
    fewer = [f"{config} ({len(results)})" for config, results in solved.items()
             if len(results) < len(rows)]
    if fewer:
        lines += ["", f"On fewer than the {len(rows)} digits: {', '.join(fewer)} — by design "
                  "(the docstring's commands) or because the run was stopped; `solve` resumes, "
                  "skipping the digits already in the progress files."]
    lines += ["", "Side by side, on the digits both configurations finished:", ""]
    base = solved["lp"]
    for config in ("interval", "disjunction"):
        common = sorted(set(base) & set(solved[config]))
        if not common:
            continue
        ratio = [solved[config][r]["solve_time"] / base[r]["solve_time"] for r in common]
        same = [abs(solved[config][r]["eps"] - base[r]["eps"]) <= 2e-4 * base[r]["eps"]
                for r in common if base[r]["status"] == solved[config][r]["status"] == "optimal"]
        lines.append(
            f"- {config} vs lp on {len(common)} digits: proven optimal "
            f"{sum(solved[config][r]['status'] == 'optimal' for r in common)} vs "
            f"{sum(base[r]['status'] == 'optimal' for r in common)}; time median "
            f"{np.median([solved[config][r]['solve_time'] for r in common]):.2f} s vs "
            f"{np.median([base[r]['solve_time'] for r in common]):.2f} s (median ratio "
            f"{np.median(ratio):.2f}); same minimum (relative 2e-4) on {sum(same)} of the "
            f"{len(same)} digits both proved")
    wrong = [r for r in base.values() if np.isfinite(r["eps"]) and not r["fooled"]]
    lines += ["", f"Changed digits checked with `predict`: {len(wrong)} of "
              f"{sum(np.isfinite(r['eps']) for r in base.values())} found changes are not "
              "misclassified.", "", "## Attacks against the exact minimum", "",
              "Attack size / exact minimum (L-infinity), over the digits the lp configuration "
              "proved optimal and the attack fooled:", "",
              "| attack | digits | median | p90 | max |", "| --- | ---: | ---: | ---: | ---: |"]
    position = {row: i for i, row in enumerate(found["rows"])}
    groups = {"": (True, False), " (last hidden layer off)": (True,),
              " (last hidden layer on)": (False,)}
    for attack in ("FGSM", "PGD", "PGD, surrogate margin", "DeepFool"):
        for group, off in groups.items():
            ratios = [found[attack][position[r]] / base[r]["eps"] for r in base
                      if base[r]["status"] == "optimal"
                      and found["last_hidden_zero"][position[r]] in off
                      and np.isfinite(found[attack][position[r]])]
            lines.append(f"| {attack}{group} | {len(ratios)} | " + " | ".join(
                f"{v:.3f}" for v in (np.median(ratios), np.quantile(ratios, 0.9),
                                     np.max(ratios))) + " |" if ratios
                else f"| {attack}{group} | 0 | — | — | — |")
    (RESULTS / "exact.md").write_text("\n".join(lines) + "\n")
    _write_table(found, solved, y)
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["solve", "summary"])
    parser.add_argument("--config", choices=sorted(CONFIGS), default="lp")
    parser.add_argument("--n-digits", type=int, default=200)
    parser.add_argument("--part", type=int, default=0,
                        help="with --parts: solve only the digits i with i %% parts == part")
    parser.add_argument("--parts", type=int, default=1)
    arguments = parser.parse_args()
    if not 0 <= arguments.part < arguments.parts:
        parser.error("--part must be in 0 .. --parts - 1")
    if arguments.command == "solve":
        solve(arguments.config, arguments.n_digits, arguments.part, arguments.parts)
    else:
        summary(arguments.n_digits)
