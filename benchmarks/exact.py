"""Benchmark: the exact smallest change that fools a ReLU network, by MILP, at the sizes the
literature uses.

Run from the repository root (the project's venv; nothing beyond requirements.txt), one BLAS
thread, two processes on the 2 cores::

    export OPENBLAS_NUM_THREADS=1
    run=".venv/bin/python benchmarks/exact.py solve"
    for part in 0 1; do (
        $run --network standard --norm inf --n-digits 200 --part $part --parts 2
        $run --network standard --norm 1 --n-digits 100 --part $part --parts 2
        $run --network 100-50 --norm inf --n-digits 50 --part $part --parts 2
        $run --network 256-256 --norm inf --n-digits 50 --part $part --parts 2
        $run --network bottleneck --norm inf --n-digits 200 --part $part --parts 2
        for config in interval disjunction; do
            $run --network bottleneck --config $config --n-digits 40 --part $part --parts 2
        done
    ) & done; wait
    .venv/bin/python benchmarks/exact.py summary

The networks (:data:`NETWORKS`), each fitted on the bundled digits with the series' split (a
quarter held out, seed 0):

- ``standard``: :func:`helpers.models.mnist_standard_network` on all ten digits, 784-50-20-10,
  the network the series measures (MIPVerify's quick start uses 784-40-20-10);
- ``100-50`` and ``256-256``: the same settings with wider hidden layers, 784-100-50-10 and
  784-256-256-10 (the width of VNN-COMP's ``mnist_fc`` networks): how the cost grows with the
  work, no target;
- ``bottleneck``: :func:`helpers.models.mnist_relu_network` on digits 0-3, 784-50-20-2-4, the
  post's shape, whose 2-unit layer is all zero on many digits (notebook 07's zero-gradient
  lesson); its three configurations (``--config``) compare the formulations: ``lp`` (the
  helper's default: LP bounds, then one program per class with its bounds tightened again),
  ``interval`` (interval bounds only) and ``disjunction`` (one program for all classes).

``solve`` takes the first ``--n-digits`` correctly classified test digits in a seeded random order
(seed 0: ``np.random.default_rng(0).permutation(correct)``), finds for all of them at once the
fooling change the exact search starts from (``_milp_search.attack_start``: PGD, by bisection,
for L-infinity; the elastic-net attack for L1; stored in a git-ignored ``.npz`` beside the
results so that both processes start from the same changes), and solves each digit with
:func:`helpers.attacks.minimal_perturbation_relu` (``time_limit`` 60 s per digit, everything
for the digit included). Every digit's answer is appended to
``benchmarks/results/exact-<network>-<norm>-<config>.jsonl`` as it is solved (a run can be
stopped and resumed). For L-infinity, the attacks scored against the exact minimum (FGSM's
smallest step on a grid of 0.001, PGD's smallest size by bisection with 2 random restarts on
the log-loss and, for the bottleneck, on the surrogate margin; DeepFool's L-infinity size, in
the pixel box) are computed once for all digits and stored in ``exact-<network>-attacks.json``.

Over seeds (:data:`SEEDS`, the standard network retrained, its first 20 digits, L-inf;
``--seed``), one process each::

    for seed in 0 1 2 3 4 5 6 7 8 9; do
        $run --network standard --norm inf --n-digits 20 --seed $seed --part 0 --parts 2 &
        $run --network standard --norm inf --n-digits 20 --seed $seed --part 1 --parts 2; wait
    done

``summary`` writes ``exact.md`` and, one row per digit, ``exact-standard.csv`` (read by notebook
07; ``benchmarks/peers.py`` and ``vnnlib.py`` use its digits), ``exact-scale.csv`` and
``exact-bottleneck.csv`` (notebook 07), and one row per seed, ``exact-seeds.csv`` (notebook 07).
Targets (issue 22), for the standard network: L-infinity, >= 99 % of 200 digits proven optimal
within 60 s and a median of at most 5 s per digit; L1, >= 95 % of 100 digits proven; every
digit within 1.1 times the time limit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import attacks, data, models, network
from helpers.attacks import _milp_search

RESULTS = Path(__file__).parent / "results"
#: name: (hidden layers, or None for the builder's; the digits; the builder)
NETWORKS = {
    "standard": (None, tuple(range(10)), models.mnist_standard_network),
    "100-50": ((100, 50), tuple(range(10)), models.mnist_standard_network),
    "256-256": ((256, 256), tuple(range(10)), models.mnist_standard_network),
    "bottleneck": (None, (0, 1, 2, 3), models.mnist_relu_network),
}
CONFIGS = {
    "lp": {"bounds": "lp", "formulation": "per target"},
    "interval": {"bounds": "interval", "formulation": "per target"},
    "disjunction": {"bounds": "lp", "formulation": "disjunction"},
}
NORMS = {"inf": np.inf, "1": 1}
TIME_LIMIT = 60.0
SEED = 0
#: Further seeds of the standard network, and how many digits of each (``exact-seeds.csv``).
SEEDS = tuple(range(10))
SEED_DIGITS = 20
CLIP = (0.0, 1.0)


def benchmark_digits(n_digits: int, name: str = "bottleneck", seed: int = models.MNIST_SEED):
    """The fitted network ``name`` (trained at ``seed``), the test split, the benchmark's digits
    (rows of it), and the number and accuracy of the correctly classified test digits."""
    hidden, digits, builder = NETWORKS[name]
    X, y = data.load_mnist_digits(digits=digits)
    X_train, X_test, y_train, y_test = data.split_digits(X, y, test_size=0.25, random_state=0)
    net = builder(seed)
    if hidden is not None:
        net.set_params(hidden_layer_sizes=hidden)
    net.fit(X_train, y_train)
    correct = np.flatnonzero(net.predict(X_test) == y_test)
    order = np.random.default_rng(SEED).permutation(correct)[:n_digits]
    return net, X_test, y_test, order, len(correct), net.score(X_test, y_test)


def _label(name: str, seed: int) -> str:
    """The network's name in file names: with the seed unless it is the series' (21)."""
    return name if seed == models.MNIST_SEED else f"{name}-seed{seed}"


def _progress(name: str, norm: str, config: str, seed: int = models.MNIST_SEED) -> Path:
    return RESULTS / f"exact-{_label(name, seed)}-{norm}-{config}.jsonl"


def _starts(label: str, norm: str, net, X, y, rows) -> tuple[np.ndarray, float]:
    """The fooling changes the search starts from, for all rows at once (stored), and the
    attack's time per digit."""
    path = RESULTS / f"exact-{label}-{norm}-start.npz"
    if path.exists():
        stored = np.load(path, allow_pickle=False)
        if len(stored["rows"]) >= len(rows) and np.array_equal(stored["rows"][:len(rows)], rows):
            return stored["x"][:len(rows)], float(stored["seconds_per_digit"])
    start = time.perf_counter()
    found = _milp_search.attack_start(net, X[rows], y[rows], norm, CLIP)
    per_digit = (time.perf_counter() - start) / len(rows)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.part.npz")
    np.savez(temporary, rows=rows, x=found, seconds_per_digit=per_digit)
    os.replace(temporary, path)
    return found, per_digit


def solve(name: str, norm: str, config: str, n_digits: int, part: int = 0, parts: int = 1,
          seed: int = models.MNIST_SEED) -> None:
    net, X, y, rows, _, _ = benchmark_digits(n_digits, name, seed)
    starts, attack_seconds = _starts(_label(name, seed), norm, net, X, y, rows)
    progress = _progress(name, norm, config, seed)
    mine = np.arange(len(rows)) % parts == part  # this process's share of the digits
    for row, start in zip(rows[mine], starts[mine]):
        if int(row) in _load(progress):  # solved already (this run, an earlier one, another part)
            continue
        result = attacks.minimal_perturbation_relu(net, X[[row]], norm=NORMS[norm],
                                                   x_fooling=start[None, :],
                                                   time_limit=TIME_LIMIT, clip=CLIP,
                                                   **CONFIGS[config])
        change = np.abs(start - X[row])
        record = {"row": int(row), "eps": float(result.eps[0]), "status": result.status[0],
                  "lower_bound": float(result.lower_bound[0]),
                  "solve_time": float(result.solve_time[0]),
                  "n_binaries": int(result.n_binaries[0]),
                  "start": float(change.max() if norm == "inf" else change.sum()),
                  "attack_time": attack_seconds,
                  "fooled": bool(np.isfinite(result.eps[0])
                                 and net.predict(result.x_adv)[0] != y[row])}
        with progress.open("a") as out:
            out.write(json.dumps(record) + "\n")


def _attacks(label: str, net, X, y, rows) -> dict:
    """The attacks scored against the exact L-infinity minimum (stored)."""
    path = RESULTS / f"exact-{label}-attacks.json"
    if path.exists():
        stored = json.loads(path.read_text())
        if stored["rows"][:len(rows)] == [int(r) for r in rows]:  # the same digits, or more
            return {key: values[:len(rows)] for key, values in stored.items()}
    fast = attacks.smallest_fgsm(net, X[rows], y[rows], np.arange(0.001, 0.5005, 0.001))
    pgd = attacks.smallest_pgd(net, X[rows], y[rows])
    fool = attacks.deepfool(net, X[rows], clip=CLIP, max_step=0.1, max_iter=100)
    stored = {
        "rows": [int(r) for r in rows],
        "last_hidden_zero": [bool(v) for v in network.last_hidden_layer_off(net, X[rows])],
        "FGSM": [float(v) for v in fast.eps],
        "PGD": [float(v) for v in pgd.eps],
        "DeepFool": [float(v) if ok else float("nan") for v, ok in
                     zip(np.abs(fool.delta).max(axis=1), fool.flipped)],
    }
    if label == "bottleneck":
        surrogate = attacks.smallest_pgd(net, X[rows], y[rows], loss="surrogate margin")
        stored["PGD, surrogate margin"] = [float(v) for v in surrogate.eps]
    path.write_text(json.dumps(stored))
    return stored


def _load(path: Path) -> dict[int, dict]:
    if not path.exists():
        return {}
    return {r["row"]: r for r in map(json.loads, path.read_text().splitlines()) if r}


def _frame(path: Path, rows) -> pd.DataFrame:
    """The progress file's answers for ``rows``, in their order (missing rows left out)."""
    solved = _load(path)
    return pd.DataFrame([solved[int(r)] for r in rows if int(r) in solved])


def _quantiles(values) -> str:
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return "— | — | —"
    return " | ".join(f"{v:.2f}" for v in (np.median(values), np.quantile(values, 0.9),
                                          values.max()))


def _solver_line(label: str, answers: pd.DataFrame, n_digits: int) -> str:
    if answers.empty:
        return f"| {label} | 0 of {n_digits} | — | — | — | — | — | — | — |"
    optimal = int((answers["status"] == "optimal").sum())
    return (f"| {label} | {len(answers)} of {n_digits} | {optimal} "
            f"({optimal / len(answers):.1%}) | {_quantiles(answers['solve_time'])} | "
            f"{answers['solve_time'].max() / TIME_LIMIT:.3f} | "
            f"{answers['n_binaries'].median():.0f} | {answers['n_binaries'].max()} |")


SOLVER_HEADER = [
    "| network, norm, configuration | digits finished | proven optimal | time median (s) | "
    "p90 (s) | max (s) | max / time limit | binaries median | binaries max |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]


def _ratios(sizes, exact) -> str:
    sizes, exact = np.asarray(sizes, dtype=float), np.asarray(exact, dtype=float)
    found = np.isfinite(sizes)
    if not found.any():
        return "0 | — | — | —"
    ratio = sizes[found] / exact[found]
    return (f"{found.sum()} | {np.median(ratio):.3f} | {np.quantile(ratio, 0.9):.3f} | "
            f"{ratio.max():.3f}")


def summary() -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    lines = [
        "# Exact minimal changes of ReLU networks (MILP, HiGHS)",
        "",
        "Produced by `benchmarks/exact.py` (commands in its docstring; one BLAS thread, two "
        "processes on the 2 cores, each network and norm in turn).",
        "",
        f"- summary written: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical "
        f"cores, {platform.platform()}; load average (1, 5, 15 min) at the summary: "
        + ", ".join(f"{v:.1f}" for v in os.getloadavg()),
        f"- Python {platform.python_version()}; numpy {version('numpy')}, highspy "
        f"{version('highspy')} (HiGHS), scikit-learn {version('scikit-learn')}",
        f"- each digit: time limit {TIME_LIMIT:g} s for everything done for it (the start's "
        "refinement, the bounds, every program), relative gap 1e-4; the search starts from an "
        "attack's fooling change (PGD for L-inf, the elastic-net attack for L1), computed for "
        "all digits at once beforehand (its time per digit below)",
        "",
    ]
    sizes = {"standard": {"inf": 200, "1": 100}, "100-50": {"inf": 50}, "256-256": {"inf": 50},
             "bottleneck": {"inf": 200}}
    fitted, frames = {}, {}
    for name, norms in sizes.items():
        n_digits = max(norms.values())
        fitted[name] = benchmark_digits(n_digits, name)
        rows = fitted[name][3]
        for norm, n in norms.items():
            for config in (CONFIGS if name == "bottleneck" else ["lp"]):
                frames[name, norm, config] = _frame(_progress(name, norm, config), rows[:n])
    lines += ["## Networks", "", "| network | layers | digits | test accuracy | correctly "
              "classified test digits |", "| --- | --- | --- | ---: | ---: |"]
    for name, (net, _, _, _, n_correct, accuracy) in fitted.items():
        layers = "-".join(map(str, [784, *net.hidden_layer_sizes, len(net.classes_)]))
        lines.append(f"| {name} | {layers} | {NETWORKS[name][1][0]}-{NETWORKS[name][1][-1]} | "
                     f"{accuracy:.3f} | {n_correct} |")
    standard_inf, standard_l1 = frames["standard", "inf", "lp"], frames["standard", "1", "lp"]
    lines += ["", "## The standard network: targets", "", *SOLVER_HEADER,
              _solver_line("standard, L-inf", standard_inf, 200),
              _solver_line("standard, L1", standard_l1, 100), ""]
    checks = []
    if not standard_inf.empty:
        share = (standard_inf["status"] == "optimal").mean()
        median = standard_inf["solve_time"].median()
        met = share >= 0.99 and median <= 5 and len(standard_inf) >= 200
        checks.append(f"L-inf: {share:.1%} proven (target >= 99 %), median "
                      f"{median:.2f} s (target <= 5 s): {'met' if met else 'NOT met'}")
    if not standard_l1.empty:
        share = (standard_l1["status"] == "optimal").mean()
        checks.append(f"L1: {share:.1%} proven (target >= 95 %): "
                      f"{'met' if share >= 0.95 and len(standard_l1) >= 100 else 'NOT met'}")
    def longest(keys) -> float:
        return max((frames[k]["solve_time"].max() for k in keys if not frames[k].empty),
                   default=0.0)

    own = longest([k for k in frames if k[0] == "standard"])
    checks.append(f"longest digit of the standard network's runs: {own:.2f} s, "
                  f"{own / TIME_LIMIT:.3f} times the limit (target <= 1.1): "
                  f"{'met' if own <= 1.1 * TIME_LIMIT else 'NOT met'}")
    everywhere = longest(list(frames))
    checks.append(f"longest digit of every run: {everywhere:.2f} s, "
                  f"{everywhere / TIME_LIMIT:.3f} times the limit")
    lines += [f"- {c}" for c in checks]
    unfinished = {key: f for key, f in frames.items() if not f.empty and
                  (f["status"] != "optimal").any()}
    for (name, norm, config), f in unfinished.items():
        rest = f[f["status"] != "optimal"]
        lines.append(f"- {name}, {norm}, {config}: not proven: " + "; ".join(
            f"row {r.row} ({r.status}, eps {r.eps:.4g}, lower bound {r.lower_bound:.4g})"
            for r in rest.itertuples()))
    lines += ["", "## How the cost grows with the work (the same run)", "",
              "The first 50 digits of each network's own seeded order, L-inf:", "",
              *SOLVER_HEADER]
    for name in ("standard", "100-50", "256-256"):
        lines.append(_solver_line(f"{name}, L-inf", frames[name, "inf", "lp"].head(50), 50))
    lines += ["", "## The starting attacks and others against the exact minimum", "",
              "Size / exact minimum, over the digits proven optimal:", "",
              "| network, norm | attack | digits | median | p90 | max |",
              "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name, norm in (("standard", "inf"), ("standard", "1")):
        answers = frames[name, norm, "lp"]
        if answers.empty:
            continue
        proven = answers[answers["status"] == "optimal"]
        lines.append(f"| {name}, {norm} | the search's start ({'PGD' if norm == 'inf' else 'EAD'};"
                     f" {answers['attack_time'].iloc[0]:.2f} s per digit) | "
                     f"{_ratios(proven['start'], proven['eps'])} |")
        if norm == "inf":
            net, X, y, rows, _, _ = fitted[name]
            found = _attacks(name, net, X, y, rows[:200])
            position = {r: i for i, r in enumerate(found["rows"])}
            for attack in ("FGSM", "PGD", "DeepFool"):
                sizes_ = [found[attack][position[r]] for r in proven["row"]]
                lines.append(f"| {name}, inf | {attack} | {_ratios(sizes_, proven['eps'])} |")
    lines += ["", "## Over seeds", "",
              f"The standard network trained at seed 21 and at {', '.join(map(str, SEEDS))}; "
              f"the first {SEED_DIGITS} digits of each network's own order, L-inf. Attack size "
              "/ exact minimum over the digits proven optimal (medians):", "",
              "| seed | test accuracy | proven | exact minimum, median | PGD | FGSM | DeepFool |"
              " time median (s) |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    seed_rows = []
    for seed in (models.MNIST_SEED, *SEEDS):
        net, X, y, rows, _, accuracy = benchmark_digits(SEED_DIGITS, "standard", seed)
        answers = _frame(_progress("standard", "inf", "lp", seed), rows)
        if answers.empty:
            continue
        found = _attacks(_label("standard", seed), net, X, y, rows)
        position = {r: i for i, r in enumerate(found["rows"])}
        proven = answers[answers["status"] == "optimal"]
        medians = {}
        for attack in ("PGD", "FGSM", "DeepFool"):
            ratio = np.array([found[attack][position[r]] for r in proven["row"]]) / \
                proven["eps"].to_numpy()
            medians[attack] = float(np.nanmedian(ratio)) if np.isfinite(ratio).any() else np.nan
        seed_rows.append({"seed": seed, "accuracy": accuracy, "digits": len(answers),
                          "proven": len(proven), "median eps": proven["eps"].median(),
                          **{f"{a} / exact": v for a, v in medians.items()},
                          "median time": answers["solve_time"].median()})
        lines.append(f"| {seed} | {accuracy:.3f} | {len(proven)} of {len(answers)} | "
                     f"{proven['eps'].median():.4f} | {medians['PGD']:.3f} | "
                     f"{medians['FGSM']:.3f} | {medians['DeepFool']:.3f} | "
                     f"{answers['solve_time'].median():.2f} |")
    if seed_rows:
        pd.DataFrame(seed_rows).to_csv(RESULTS / "exact-seeds.csv", index=False)
    lines += ["", "## The bottleneck network (notebook 07's zero-gradient lesson)", "",
              *SOLVER_HEADER]
    for config in CONFIGS:
        n = 200 if config == "lp" else 40
        lines.append(_solver_line(f"bottleneck, L-inf, {config}", frames["bottleneck", "inf",
                                                                          config], n))
    base = frames["bottleneck", "inf", "lp"]
    for config in ("interval", "disjunction"):
        other = frames["bottleneck", "inf", config]
        if base.empty or other.empty:
            continue
        both = base.merge(other, on="row", suffixes=("", " other"))
        proven = both[(both["status"] == "optimal") & (both["status other"] == "optimal")]
        same = np.abs(proven["eps other"] - proven["eps"]) <= 2e-4 * proven["eps"]
        lines.append(f"\n- {config} vs lp on {len(both)} digits: time median "
                     f"{both['solve_time other'].median():.2f} s vs "
                     f"{both['solve_time'].median():.2f} s (median ratio "
                     f"{(both['solve_time other'] / both['solve_time']).median():.2f}); same "
                     f"minimum (relative 2e-4) on {int(same.sum())} of the {len(proven)} digits "
                     "both proved")
    if not base.empty:
        net, X, y, rows, _, _ = fitted["bottleneck"]
        found = _attacks("bottleneck", net, X, y, rows[:200])
        position = {r: i for i, r in enumerate(found["rows"])}
        proven = base[base["status"] == "optimal"]
        off = np.array([found["last_hidden_zero"][position[r]] for r in proven["row"]])
        lines += ["", "| attack, bottleneck (L-inf) | digits | median | p90 | max |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for attack in ("FGSM", "PGD", "PGD, surrogate margin", "DeepFool"):
            for group, keep in (("", np.ones(len(off), bool)), (" (last hidden layer off)", off),
                                (" (last hidden layer on)", ~off)):
                sizes_ = [found[attack][position[r]] for r in proven["row"][keep]]
                lines.append(f"| {attack}{group} | "
                             f"{_ratios(sizes_, proven['eps'][keep])} |")
    wrong = sum(int((f["eps"].apply(np.isfinite) & ~f["fooled"]).sum())
                for f in frames.values() if not f.empty)
    lines += ["", f"Changed digits checked with `predict`: {wrong} of the changes found are not "
              "misclassified."]
    (RESULTS / "exact.md").write_text("\n".join(lines) + "\n")
    _write_tables(fitted, frames)
    print("\n".join(lines))


def _write_tables(fitted: dict, frames: dict) -> None:
    """One row per digit: ``exact-standard.csv`` (both norms and the attacks),
    ``exact-scale.csv`` (the wider networks) and ``exact-bottleneck.csv``."""
    keys = ["eps", "status", "lower_bound", "solve_time", "n_binaries", "start"]
    for name, norms, configs, out in (("standard", ("inf", "1"), ("lp",), "exact-standard.csv"),
                                      ("bottleneck", ("inf",), tuple(CONFIGS),
                                       "exact-bottleneck.csv")):
        net, X, y, rows, _, _ = fitted[name]
        found = _attacks(name, net, X, y, rows[:200])
        table = pd.DataFrame({"test_row": found["rows"], "label": y[found["rows"]]})
        for attack in ("last_hidden_zero", "FGSM", "PGD", "PGD, surrogate margin", "DeepFool"):
            if attack in found:
                table[attack] = found[attack]
        for norm in norms:
            for config in configs:
                answers = frames[name, norm, config]
                if answers.empty:
                    continue
                prefix = f"{norm} {config}" if name == "bottleneck" else norm
                table = table.merge(answers[["row", *keys]].rename(
                    columns={k: f"{prefix} {k}" for k in keys} | {"row": "test_row"}),
                    on="test_row", how="left")
        table.to_csv(RESULTS / out, index=False)
    scale = pd.concat([frames[name, "inf", "lp"].assign(network=name)
                       for name in ("standard", "100-50", "256-256")
                       if not frames[name, "inf", "lp"].empty], ignore_index=True)
    if not scale.empty:
        scale[["network", "row", "status", "eps", "lower_bound", "solve_time",
               "n_binaries"]].to_csv(RESULTS / "exact-scale.csv", index=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["solve", "summary"])
    parser.add_argument("--network", choices=list(NETWORKS), default="standard")
    parser.add_argument("--norm", choices=list(NORMS), default="inf")
    parser.add_argument("--config", choices=list(CONFIGS), default="lp")
    parser.add_argument("--n-digits", type=int, default=200)
    parser.add_argument("--part", type=int, default=0,
                        help="with --parts: solve only the digits i with i %% parts == part")
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--seed", type=int, default=models.MNIST_SEED,
                        help="train the network at this seed (the series' is 21)")
    arguments = parser.parse_args()
    if not 0 <= arguments.part < arguments.parts:
        parser.error("--part must be in 0 .. --parts - 1")
    if arguments.command == "solve":
        solve(arguments.network, arguments.norm, arguments.config, arguments.n_digits,
              arguments.part, arguments.parts, arguments.seed)
    else:
        summary()
