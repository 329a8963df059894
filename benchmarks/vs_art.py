"""Benchmark: the helpers' FGSM and DeepFool against the Adversarial Robustness Toolbox (ART).

Benchmark-only: ART (``adversarial-robustness-toolbox``, pinned in ``benchmarks/requirements.txt``)
is not a dependency of ``helpers`` or of the notebooks. Run from the repository root::

    .venv/bin/pip install -r benchmarks/requirements.txt
    .venv/bin/python benchmarks/vs_art.py

Both sides attack the same fitted scikit-learn models, on the same held-out MNIST digits 0-3
(the bundled digits of :func:`helpers.data.load_mnist_digits`, split by
:func:`helpers.data.split_digits`), in one run:

- the series' ``LogisticRegression`` (:func:`helpers.models.mnist_logistic_regression`), wrapped
  for ART by ``art.estimators.classification.SklearnClassifier``;
- a ``LinearSVC`` (ART's SVC wrapper supports it; kernel ``SVC`` is supported by ART only: the
  helpers' gradients cover linear models and ``MLPClassifier``).

For each model the table gives the success rate (FGSM: share of correctly classified test digits
whose prediction changes; DeepFool: share of all test digits whose prediction changes), the
median perturbation size of the successful attacks, and the wall time (median and minimum of
``--repeats`` runs). For DeepFool the exact minimal L2 change of the linear model
(:func:`helpers.attacks.minimal_perturbation_linear`) is the floor no attack can go below.
The Markdown table is written to ``benchmarks/results/vs_art.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

import numpy as np
from art.attacks.evasion import DeepFool, FastGradientMethod
from art.estimators.classification import SklearnClassifier
from sklearn.svm import LinearSVC

from helpers import attacks, data, models

RESULTS = Path(__file__).parent / "results" / "vs_art.md"


@dataclass
class Row:
    """One line of the results table."""

    model: str
    attack: str
    implementation: str
    success: float
    median_l2: float
    median_linf: float
    median_seconds: float
    min_seconds: float


def timed(run: Callable[[], Any], repeats: int) -> tuple[Any, float, float]:
    """Result of ``run()`` and the median and minimum wall time of ``repeats`` calls."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
    return result, float(np.median(seconds)), float(np.min(seconds))


def summarise(model_name, attack, implementation, model, X, X_adv, reference, seconds) -> Row:
    """Success rate and median sizes of the successful perturbations, as one table row."""
    success = model.predict(X_adv) != model.predict(X)
    success = success[reference]
    delta = (X_adv - X)[reference][success]
    l2 = np.linalg.norm(delta, axis=1) if len(delta) else np.array([np.nan])
    linf = np.abs(delta).max(axis=1) if len(delta) else np.array([np.nan])
    return Row(model_name, attack, implementation, float(success.mean()),
               float(np.median(l2)), float(np.median(linf)), *seconds)


def benchmark_model(model_name, model, X, y, eps, overshoot, repeats) -> list[Row]:
    """FGSM (L-infinity, ``eps``) and DeepFool (L2) by the helpers and by ART on one model."""
    n_classes = len(model.classes_)
    onehot = np.eye(n_classes)[np.searchsorted(model.classes_, y)]
    correct = model.predict(X) == y
    everyone = np.ones(len(X), dtype=bool)
    rows = []

    art_clipped = SklearnClassifier(model=model, clip_values=(0.0, 1.0))
    art_fgsm = FastGradientMethod(art_clipped, norm=np.inf, eps=eps, batch_size=len(X))
    ours, *seconds = timed(lambda: attacks.fgsm(model, X, y, eps, clip=(0.0, 1.0)), repeats)
    rows.append(summarise(model_name, f"FGSM, eps={eps}", "helpers", model, X, ours, correct,
                          seconds))
    theirs, *seconds = timed(lambda: art_fgsm.generate(X, y=onehot), repeats)
    rows.append(summarise(model_name, f"FGSM, eps={eps}", "ART", model, X, theirs, correct,
                          seconds))

    # DeepFool is unclipped on both sides, so that the exact minimal L2 change is its floor.
    exact, *seconds = timed(lambda: attacks.minimal_perturbation_linear(model, X, overshoot=1e-9),
                            repeats)
    rows.append(summarise(model_name, "exact minimal L2 (floor)", "helpers", model, X,
                          X + exact.delta, everyone, seconds))
    art_free = SklearnClassifier(model=model)
    for value in overshoot:
        art_deepfool = DeepFool(art_free, max_iter=50, epsilon=value, batch_size=len(X),
                                verbose=False)
        ours, *seconds = timed(lambda: attacks.deepfool(model, X, overshoot=value), repeats)
        rows.append(summarise(model_name, f"DeepFool, overshoot={value:g}", "helpers", model, X,
                              X + ours.delta, everyone, seconds))
        theirs, *seconds = timed(lambda: art_deepfool.generate(X), repeats)
        rows.append(summarise(model_name, f"DeepFool, overshoot={value:g}", "ART", model, X,
                              theirs, everyone, seconds))
    return rows


def machine_info(load: tuple[float, float, float]) -> list[str]:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    packages = ", ".join(f"{name} {version(name)}" for name in
                         ("numpy", "scipy", "scikit-learn", "adversarial-robustness-toolbox"))
    return [
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cpu}, {os.cpu_count()} logical cores, {platform.platform()}",
        f"- Python {platform.python_version()}; {packages}",
        "- load average when the run started (1, 5, 15 min): "
        + ", ".join(f"{value:.1f}" for value in load),
    ]


def goal_checks(rows: list[Row]) -> list[str]:
    """One line per (model, attack): the helpers vs ART on the three goals."""
    lines = ["Goals (helpers vs ART): success rate >= ART's, median perturbation <= 1.01 x ART's "
             "(L-inf for FGSM, L2 for DeepFool), faster (median time):", ""]
    for ours in rows:
        if ours.implementation != "helpers":
            continue
        theirs = next((r for r in rows if r.implementation == "ART" and r.model == ours.model
                       and r.attack == ours.attack), None)
        if theirs is None:
            continue
        norm = "L-inf" if ours.attack.startswith("FGSM") else "L2"

        def size(row: Row) -> float:
            return row.median_linf if norm == "L-inf" else row.median_l2

        checks = [
            ("success", ours.success >= theirs.success,
             f"{ours.success:.1%} vs {theirs.success:.1%}"),
            # FGSM's size is its L-infinity eps; DeepFool's is an L2 norm.
            ("size", size(ours) <= 1.01 * size(theirs),
             f"median {norm} ratio {size(ours) / size(theirs):.3f}"),
            ("speed", ours.median_seconds < theirs.median_seconds,
             f"{theirs.median_seconds / ours.median_seconds:.1f}x faster"
             if ours.median_seconds < theirs.median_seconds
             else f"{ours.median_seconds / theirs.median_seconds:.1f}x slower"),
        ]
        met = "; ".join(f"{name} {'met' if ok else 'NOT met'} ({detail})"
                        for name, ok, detail in checks)
        lines.append(f"- {ours.model}, {ours.attack}: {met}")
    return lines


def to_markdown(rows: list[Row], command: str, header: list[str], notes: list[str]) -> str:
    lines = ["# Attacks: helpers vs the Adversarial Robustness Toolbox (ART)", "",
             f"Produced by `{command}` (from the repository root).", "", *header, "",
             "| model | attack | implementation | success rate | median L2 | median L-inf "
             "| time, median (s) | time, min (s) |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(
            f"| {r.model} | {r.attack} | {r.implementation} | {r.success:.1%} | "
            f"{r.median_l2:.4f} | {r.median_linf:.4f} | {r.median_seconds:.4f} | "
            f"{r.min_seconds:.4f} |"
        )
    return "\n".join(lines + ["", *goal_checks(rows), "", *notes, ""])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eps", type=float, default=0.1, help="FGSM L-infinity size")
    parser.add_argument("--overshoot", type=float, nargs="+", default=[0.02, 1e-6],
                        help="DeepFool overshoots: the paper's 0.02 and ART's default 1e-6")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each attack")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.getLogger("art").setLevel(logging.ERROR)  # ART's "predicting probabilities" notice
    load = os.getloadavg()

    X, y = data.load_mnist_digits()
    X_train, X_test, y_train, y_test = data.split_digits(X, y)
    logistic = models.mnist_logistic_regression().fit(X_train, y_train)
    svc = LinearSVC(C=0.01, random_state=0).fit(X_train, y_train)
    rows = []
    for name, model in [("LogisticRegression", logistic), ("LinearSVC", svc)]:
        print(f"{name}: test accuracy {model.score(X_test, y_test):.3f}", flush=True)
        rows += benchmark_model(name, model, X_test, y_test, args.eps, args.overshoot,
                                args.repeats)
    header = machine_info(load) + [
        f"- data: {len(X_test)} held-out bundled MNIST digits 0-3 (pixels in [0, 1]); models "
        f"fitted on {len(X_train)}: LogisticRegression test accuracy "
        f"{logistic.score(X_test, y_test):.3f}, LinearSVC(C=0.01) {svc.score(X_test, y_test):.3f}",
        f"- timing: {args.repeats} runs of each attack on all test digits at once "
        "(ART with batch_size = all test digits); median and minimum wall time. The 2 cores are "
        "shared with other jobs, so times vary between runs: the minimum is the least disturbed",
    ]
    notes = [
        "FGSM success rate: share of the correctly classified test digits whose prediction "
        "changes; DeepFool and the exact floor: share of all test digits. Median sizes are over "
        "the successful perturbations (so FGSM's median L2 differs where the two succeed on "
        "different digits). FGSM clips to [0, 1] on both sides; DeepFool and the "
        "floor are unclipped on both sides (ART's classifier is built without clip_values), so "
        "the exact minimal L2 change is a true floor (its overshoot is 1e-9: it lies on the "
        "border). ART's DeepFool works on what its scikit-learn wrappers predict: "
        "`predict_proba` for LogisticRegression (probabilities, not the logits DeepFool is "
        "designed for) and one-hot predictions for LinearSVC; the helpers' DeepFool uses the "
        "logits (decision scores) of both. This, not the algorithm, is why ART's DeepFool "
        "perturbations are larger here. For FGSM on LinearSVC, ART steps along the gradient of "
        "its own multiclass hinge loss, the helpers along the gradient of the softmax "
        "cross-entropy of the decision scores (see helpers.gradients): the two directions differ.",
        "",
        "Not compared: kernel SVC (ART differentiates it; the helpers' gradients cover linear "
        "models and MLPClassifier only) and the networks (ART's scikit-learn wrappers have no "
        "MLPClassifier gradients).",
    ]
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "benchmarks/vs_art.py",
                                                  *(argv if argv is not None else sys.argv[1:])])
    markdown = to_markdown(rows, command, header, notes)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
