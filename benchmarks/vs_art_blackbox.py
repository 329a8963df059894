"""Benchmark: ART's black-box attacks on the ReLU network, beside the helpers' and the exact minimum.

Benchmark-only: ART (``adversarial-robustness-toolbox``, pinned in ``benchmarks/requirements.txt``)
is not a dependency of ``helpers`` or of the notebooks. Run from the repository root, after
``benchmarks/exact.py`` (whose exact minima it reads)::

    .venv/bin/pip install -r benchmarks/requirements.txt
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/vs_art_blackbox.py

ART has no gradients for scikit-learn's ``MLPClassifier`` (its issue #1552), but its black-box
attacks need only predictions. Both sides attack the same fitted
:func:`helpers.models.mnist_relu_network`, on the first ``--n-digits`` digits of
``benchmarks/exact.py`` (correctly classified test digits in a seeded random order), in one run:

- ART's HopSkipJump (Chen, Jordan, Wainwright, 2020), L-infinity and L2, through
  ``BlackBoxClassifier`` (``predict_proba`` only), its defaults (50 iterations, at most 10,000
  model evaluations per iteration's gradient estimate);
- ART's pixel attack (Su et al., 2019: differential evolution over a few pixels; ``th=None``,
  ``es=1``, 20 iterations) through ``BlackBoxClassifierNeuralNetwork`` on 28 x 28 x 1 images;
- the helpers' white-box attacks: PGD's smallest L-infinity size by bisection
  (:func:`helpers.attacks.smallest_pgd`, on the log-loss and on the surrogate margin) and
  DeepFool in the pixel box;
- the exact minimal L-infinity change (:func:`helpers.attacks.minimal_perturbation_relu`), read
  from ``benchmarks/results/vs_art_blackbox-exact.jsonl`` where it was proven optimal: a copy of
  ``benchmarks/exact.py``'s bottleneck run (``exact-bottleneck-inf-lp.jsonl``) as it was when
  this comparison ran, kept because the comparison divides by it (copy the current run over it
  before running this again). ``tests/test_exact_benchmark_results.py`` checks that the current
  run finds the same minima wherever both proved a digit.

The table gives, per method, the share of digits fooled, the median L-infinity, L2 and L0 (pixels
changed) sizes of the successful changes, the median L-infinity size divided by the exact minimum
(digits both have), and the wall time of the whole run. Written to
``benchmarks/results/vs_art_blackbox.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import numpy as np
from art.attacks.evasion import HopSkipJump, PixelAttack
from art.estimators.classification import BlackBoxClassifier, BlackBoxClassifierNeuralNetwork

import exact  # benchmarks/exact.py, beside this script
from helpers import attacks

RESULTS = Path(__file__).parent / "results"
#: Differential-evolution iterations of ART's pixel attack (its default, 100, took over two
#: minutes per digit on this machine).
PIXEL_ITERATIONS = 20


def _digits(n_digits: int):
    """The network and the first ``n_digits`` digits of ``benchmarks/exact.py``."""
    net, X_test, y_test, rows, _, _ = exact.benchmark_digits(n_digits, "bottleneck")
    return net, X_test[rows], y_test[rows], rows


def _timed(attack):
    start = time.perf_counter()
    X_adv = attack()
    return X_adv, time.perf_counter() - start


def main(n_digits: int) -> None:
    logging.getLogger("art").setLevel(logging.WARNING)
    net, X, y, rows = _digits(n_digits)
    index = {int(label): k for k, label in enumerate(net.classes_)}
    one_hot = np.eye(len(net.classes_))[[index[int(label)] for label in y]]
    flat = BlackBoxClassifier(net.predict_proba, input_shape=(X.shape[1],),
                              nb_classes=len(net.classes_), clip_values=(0.0, 1.0))
    image = BlackBoxClassifierNeuralNetwork(
        lambda images: net.predict_proba(images.reshape(len(images), -1)),
        input_shape=(28, 28, 1), nb_classes=len(net.classes_), clip_values=(0.0, 1.0),
        channels_first=False)
    np.random.seed(exact.SEED)  # ART draws from numpy's global generator
    changed = {}
    changed["ART HopSkipJump, L-inf"] = _timed(lambda: HopSkipJump(
        flat, norm=np.inf, verbose=False).generate(X, y=one_hot))
    changed["ART HopSkipJump, L2"] = _timed(lambda: HopSkipJump(
        flat, norm=2, verbose=False).generate(X, y=one_hot))
    changed["ART pixel attack"] = _timed(lambda: PixelAttack(
        image, th=None, es=1, max_iter=PIXEL_ITERATIONS, verbose=False).generate(
            X.reshape(-1, 28, 28, 1), y=one_hot).reshape(len(X), -1))
    pgd_found, seconds = _timed(lambda: attacks.smallest_pgd(net, X, y))
    changed["helpers PGD, smallest L-inf (white-box)"] = (X + pgd_found.delta, seconds)
    surrogate, seconds = _timed(lambda: attacks.smallest_pgd(net, X, y,
                                                             loss="surrogate margin"))
    changed["helpers PGD on the surrogate margin, smallest L-inf (white-box)"] = (
        X + surrogate.delta, seconds)
    fool, seconds = _timed(lambda: attacks.deepfool(net, X, clip=(0.0, 1.0), max_step=0.1,
                                                    max_iter=100))
    changed["helpers DeepFool, pixel box (white-box)"] = (X + fool.delta, seconds)
    exact_path = RESULTS / "vs_art_blackbox-exact.jsonl"
    proven = {}
    if exact_path.exists():
        for record in map(json.loads, exact_path.read_text().splitlines()):
            if record["status"] == "optimal":
                proven[record["row"]] = record
    exact_eps = np.array([proven[int(r)]["eps"] if int(r) in proven else np.nan for r in rows])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    lines = [
        "# Black-box attacks of ART on the ReLU network, beside the helpers and the exact minimum",
        "",
        "Produced by `OPENBLAS_NUM_THREADS=1 python benchmarks/vs_art_blackbox.py` (from the "
        "repository root, after `benchmarks/exact.py`).",
        "",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical "
        f"cores; load average (1, 5, 15 min) at the end: "
        + ", ".join(f"{v:.1f}" for v in os.getloadavg()),
        f"- Python {platform.python_version()}; numpy {version('numpy')}, scikit-learn "
        f"{version('scikit-learn')}, adversarial-robustness-toolbox "
        f"{version('adversarial-robustness-toolbox')}",
        f"- digits: the first {len(rows)} of `benchmarks/exact.py` (correctly classified test "
        f"digits of `models.mnist_relu_network()`, seeded order); exact minima proven for "
        f"{int(np.isfinite(exact_eps).sum())} of them",
        "",
        "| method | fooled | median L-inf | median L2 | median L0 (pixels) | median L-inf / "
        "exact (digits) | wall time (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    known = np.isfinite(exact_eps)
    lines.append(f"| exact minimal L-inf (MILP, helpers; 'fooled' = proven) | {known.mean():.0%} | "
                 f"{np.median(exact_eps[known]) if known.any() else float('nan'):.4f} | — | — | "
                 "1 | (benchmarks/exact.py) |")
    for method, (X_adv, seconds) in changed.items():
        delta = X_adv - X
        fooled = net.predict(X_adv) != y
        linf = np.abs(delta).max(axis=1)
        both = fooled & known
        ratio = np.median(linf[both] / exact_eps[both]) if both.any() else float("nan")
        lines.append(
            f"| {method} | {fooled.mean():.0%} | "
            f"{np.median(linf[fooled]) if fooled.any() else float('nan'):.4f} | "
            f"{np.median(np.linalg.norm(delta[fooled], axis=1)) if fooled.any() else float('nan'):.3f}"
            f" | {np.median((np.abs(delta[fooled]) > 1e-9).sum(axis=1)) if fooled.any() else float('nan'):.0f}"
            f" | {ratio:.2f} ({int(both.sum())}) | {seconds:.1f} |")
    (RESULTS / "vs_art_blackbox.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-digits", type=int, default=100)
    main(parser.parse_args().n_digits)
