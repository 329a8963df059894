"""Benchmark: the helpers' FGSM and DeepFool against the Adversarial Robustness Toolbox (ART).

Benchmark-only: ART (``adversarial-robustness-toolbox``, pinned in ``benchmarks/requirements.txt``)
is not a dependency of ``helpers`` or of the notebooks. Run from the repository root::

    .venv/bin/pip install -r benchmarks/requirements.txt
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/vs_art.py

Both sides attack the same fitted scikit-learn models, on the same held-out MNIST digits 0-3
(the bundled digits of :func:`helpers.data.load_mnist_digits`, split by
:func:`helpers.data.split_digits`), in one run:

- the series' ``LogisticRegression`` (:func:`helpers.models.mnist_logistic_regression`);
- a ``LinearSVC`` (kernel ``SVC`` is supported by ART only: the helpers' gradients cover linear
  models and ``MLPClassifier``).

ART sees each model through two wrappers:

- the stock one, ``art.estimators.classification.SklearnClassifier`` (its ``predict`` returns
  ``predict_proba`` for ``LogisticRegression`` and one-hot predictions for ``LinearSVC``);
- :class:`LogitClassifier`, defined here, whose ``predict`` returns the decision scores (logits)
  and whose class gradients are the rows of ``coef_``, so that ART's DeepFool works on the same
  quantities as the helpers' (used for DeepFool only; FGSM needs a loss gradient). It is run
  with ``max_iter=50`` like the others, and once more with ``max_iter=1``, the number of steps
  the helpers' DeepFool takes on a linear model.

For each model the table gives the success rate (FGSM: share of correctly classified test digits
whose prediction changes; DeepFool: share of all test digits whose prediction changes), the
median perturbation size of the successful attacks, and the wall time (median and minimum of
``--repeats`` runs). For DeepFool the exact minimal L2 change of the linear model
(:func:`helpers.attacks.minimal_perturbation_linear`) is the floor no attack can go below.
The goal lines compare median L2 sizes over the digits that BOTH implementations fool.
The Markdown table is written to ``benchmarks/results/vs_art.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from art.attacks.evasion import DeepFool, FastGradientMethod
from art.estimators.classification import ClassGradientsMixin, SklearnClassifier
from art.estimators.classification.scikitlearn import ScikitlearnClassifier
from sklearn.svm import LinearSVC

from helpers import attacks, data, models

RESULTS = Path(__file__).parent / "results" / "vs_art.md"
HELPERS = "helpers"
ART_STOCK = "ART, stock wrapper"
ART_LOGITS = "ART, logit wrapper"
ART_LOGITS_ONE_STEP = "ART, logit wrapper, max_iter=1"


class LogitClassifier(ClassGradientsMixin, ScikitlearnClassifier):
    """ART classifier of a fitted multiclass linear scikit-learn model that predicts its logits.

    ``predict`` returns ``decision_function`` (the logits), ``class_gradient`` the matching
    gradients: row ``k`` of ``coef_`` for class ``k``, the same for every sample (their
    differences are the gradients of the logit differences DeepFool linearises). It counts its
    ``predict`` calls (ART's DeepFool predicts once, then once per iteration).
    """

    def __init__(self, model: Any) -> None:
        super().__init__(model=model)
        if model.coef_.shape[0] != self.nb_classes:
            raise ValueError(
                f"LogitClassifier needs one coefficient row per class; got coef_ of shape "
                f"{model.coef_.shape} for {self.nb_classes} classes. Use a multiclass model.")
        self.n_predict_calls = 0

    def predict(self, x: np.ndarray, **kwargs: Any) -> np.ndarray:
        """Logits of shape (n_samples, n_classes)."""
        self.n_predict_calls += 1
        return self.model.decision_function(x)

    def class_gradient(self, x: np.ndarray, label: int | Sequence[int] | np.ndarray | None = None,
                       **kwargs: Any) -> np.ndarray:
        """Gradients of the logits: (n_samples, n_classes, n_features), or (n_samples, 1,
        n_features) for the class ``label`` (one for all samples or one per sample)."""
        coef = self.model.coef_
        if label is None:
            return np.broadcast_to(coef, (len(x), *coef.shape)).copy()
        labels = np.broadcast_to(np.asarray(label, dtype=int), (len(x),))
        return coef[labels][:, np.newaxis, :]


@dataclass
class Row:
    """One line of the results table, with the per-digit outcome behind it."""

    model: str
    attack: str
    implementation: str
    success: float
    median_l2: float
    median_linf: float
    median_seconds: float
    min_seconds: float
    fooled: np.ndarray = field(repr=False)  # (n_digits,) bool, over the digits attacked
    l2: np.ndarray = field(repr=False)  # (n_digits,) L2 size of every digit's change


def timed(run: Callable[[], Any], repeats: int) -> tuple[Any, float, float]:
    """Result of ``run()`` and the median and minimum wall time of ``repeats`` calls."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
    return result, float(np.median(seconds)), float(np.min(seconds))


def summarise(model_name: str, attack: str, implementation: str, model: Any, X: np.ndarray,
              X_adv: np.ndarray, attacked: np.ndarray, seconds: Sequence[float]) -> Row:
    """Success rate and median sizes of the successful perturbations, as one table row.

    ``attacked`` (bool, shape (n_samples,)) selects the digits the success rate is taken over.
    """
    fooled = (model.predict(X_adv) != model.predict(X))[attacked]
    delta = (X_adv - X)[attacked]
    l2 = np.linalg.norm(delta, axis=1)
    linf = np.abs(delta).max(axis=1)
    median_l2, median_linf = ((float(np.median(l2[fooled])), float(np.median(linf[fooled])))
                              if fooled.any() else (np.nan, np.nan))
    return Row(model_name, attack, implementation, float(fooled.mean()), median_l2, median_linf,
               *seconds, fooled=fooled, l2=l2)


def benchmark_model(model_name: str, model: Any, X: np.ndarray, y: np.ndarray, eps: float,
                    overshoot: Sequence[float], repeats: int) -> tuple[list[Row], list[str]]:
    """FGSM (L-infinity, ``eps``) and DeepFool (L2) by the helpers and by ART on one model.

    Returns the table rows and notes measured on the way (ART's DeepFool iterations on the
    logit wrapper, and how its stock wrapper's class gradients relate to the logits').
    """
    n_classes = len(model.classes_)
    onehot = np.eye(n_classes)[np.searchsorted(model.classes_, y)]
    correct = model.predict(X) == y
    everyone = np.ones(len(X), dtype=bool)
    rows = []
    notes = []

    art_clipped = SklearnClassifier(model=model, clip_values=(0.0, 1.0))
    art_fgsm = FastGradientMethod(art_clipped, norm=np.inf, eps=eps, batch_size=len(X))
    fgsm = f"FGSM, eps={eps:g}"
    ours, *seconds = timed(lambda: attacks.fgsm(model, X, y, eps, clip=(0.0, 1.0)), repeats)
    rows.append(summarise(model_name, fgsm, HELPERS, model, X, ours, correct, seconds))
    theirs, *seconds = timed(lambda: art_fgsm.generate(X, y=onehot), repeats)
    rows.append(summarise(model_name, fgsm, ART_STOCK, model, X, theirs, correct, seconds))

    # DeepFool is unclipped on all sides, so that the exact minimal L2 change is its floor.
    exact, *seconds = timed(lambda: attacks.minimal_perturbation_linear(model, X, overshoot=1e-9),
                            repeats)
    rows.append(summarise(model_name, "exact minimal L2 (floor)", HELPERS, model, X,
                          X + exact.delta, everyone, seconds))
    floor = np.linalg.norm(exact.delta, axis=1)
    art_stock = SklearnClassifier(model=model)
    art_logits = LogitClassifier(model)
    notes.append(gradient_agreement(model_name, model, art_stock, art_logits, X))
    for value in overshoot:
        deepfool = f"DeepFool, overshoot={value:g}"
        ours, *seconds = timed(lambda: attacks.deepfool(model, X, overshoot=value), repeats)
        helpers_row = summarise(model_name, deepfool, HELPERS, model, X, X + ours.delta,
                                everyone, seconds)
        rows.append(helpers_row)
        notes.append(f"{model_name}, {deepfool}: the helpers' DeepFool took at most "
                     f"{ours.n_iter.max()} step(s) per digit")
        for implementation, wrapper, max_iter in [(ART_STOCK, art_stock, 50),
                                                  (ART_LOGITS, art_logits, 50),
                                                  (ART_LOGITS_ONE_STEP, art_logits, 1)]:
            art_deepfool = DeepFool(wrapper, max_iter=max_iter, epsilon=value,
                                    batch_size=len(X), verbose=False)
            art_logits.n_predict_calls = 0
            theirs, *seconds = timed(lambda: art_deepfool.generate(X), repeats)
            rows.append(summarise(model_name, deepfool, implementation, model, X, theirs,
                                  everyone, seconds))
            if implementation == ART_LOGITS:
                iterations = art_logits.n_predict_calls // repeats - 1
                notes.append(
                    f"{model_name}, {deepfool}: ART's DeepFool on the logit wrapper ran "
                    f"{iterations} of its max_iter={max_iter} iterations; median over the digits "
                    f"of L2 / the exact floor: helpers {np.median(helpers_row.l2 / floor):.7f}, "
                    f"ART logit wrapper {np.median(rows[-1].l2 / floor):.7f} (1 + overshoot "
                    f"= {1 + value:.7f})")
    return rows, notes


def gradient_agreement(model_name: str, model: Any, stock: Any, logits: LogitClassifier,
                       X: np.ndarray) -> str:
    """How far the stock wrapper's class-gradient differences are from the logits' (one line).

    DeepFool uses only differences of class gradients, ``grad_k - grad_j``.
    """
    predicted = np.searchsorted(model.classes_, model.predict(X))
    rows = np.arange(len(X))

    def differences(gradients: np.ndarray) -> np.ndarray:
        return gradients - gradients[rows, predicted][:, np.newaxis, :]

    reference = differences(logits.class_gradient(X))
    gap = np.abs(differences(stock.class_gradient(X)) - reference).max()
    scale = np.abs(reference).max()
    predictions = "predict_proba" if hasattr(model, "predict_proba") else "one-hot predictions"
    return (f"{model_name}: the stock wrapper's class-gradient differences match the logits' to "
            f"{gap / scale:.1e} (max abs gap relative to the largest entry); its `predict` "
            f"returns {predictions}")


def command_line(argv: Sequence[str]) -> str:
    """The command that produced the results, BLAS thread setting included."""
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    words = [f"OPENBLAS_NUM_THREADS={threads}"] if threads else []
    return " ".join(words + [shlex.quote(a) for a in ["python", "benchmarks/vs_art.py", *argv]])


def machine_info(load: tuple[float, float, float]) -> list[str]:
    """Date, CPU, versions, the helpers' commit and the load average, as Markdown list items."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    packages = ", ".join(f"{name} {version(name)}" for name in
                         ("numpy", "scipy", "scikit-learn", "adversarial-robustness-toolbox"))
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                                text=True, check=True, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return [
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cpu}, {os.cpu_count()} logical cores, {platform.platform()}",
        f"- Python {platform.python_version()}; {packages}; repository at commit {commit}",
        "- load average when the run started (1, 5, 15 min): "
        + ", ".join(f"{value:.1f}" for value in load),
    ]


def size_ratio(ours: Row, theirs: Row) -> tuple[float, int]:
    """Median L2 of ``ours`` / that of ``theirs`` over the digits both fool, and their count."""
    both = ours.fooled & theirs.fooled
    if not both.any():
        return np.nan, 0
    return float(np.median(ours.l2[both]) / np.median(theirs.l2[both])), int(both.sum())


def times_faster(ours: Row, theirs: Row) -> tuple[float, float]:
    """How many times faster ``ours`` is than ``theirs``: by median and by minimum time."""
    return (theirs.median_seconds / ours.median_seconds, theirs.min_seconds / ours.min_seconds)


def compare(ours: Row, theirs: Row) -> str:
    """One goal line: success rate, median L2 over the digits both fool, median time."""
    ratio, n_both = size_ratio(ours, theirs)
    size = (f"size {'met' if ratio <= 1.01 else 'NOT met'} (median L2 ratio {ratio:.3f} "
            f"over the {n_both} digits both fool)" if n_both
            else "size not comparable (no digit fooled by both)")
    by_median, by_min = times_faster(ours, theirs)
    speed = (f"speed {'met' if by_median > 1 else 'NOT met'} ({times(by_median)}x as fast by "
             f"median time, {times(by_min)}x by minimum)")
    success = ours.success >= theirs.success
    return (f"- {ours.model}, {ours.attack}, vs {theirs.implementation}: "
            f"success {'met' if success else 'NOT met'} ({ours.success:.1%} vs "
            f"{theirs.success:.1%}); {size}; {speed}")


def pairs(rows: list[Row], implementation: str, attack: str) -> list[tuple[Row, Row]]:
    """(helpers row, ``implementation`` row) for every model and attack starting with ``attack``."""
    return [(ours, theirs) for ours in rows for theirs in rows
            if ours.implementation == HELPERS and theirs.implementation == implementation
            and ours.model == theirs.model and ours.attack == theirs.attack
            and ours.attack.startswith(attack)]


def times(value: float) -> str:
    """A speed ratio: one decimal below 10, none above."""
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def span(values: Sequence[float], digits: str = ".3f") -> str:
    """``low-high`` of ``values`` (or the one value when they agree at that precision)."""
    low, high = (f"{value:{digits}}" if digits else times(value)
                 for value in (min(values), max(values)))
    return low if low == high else f"{low}-{high}"


def summary(rows: list[Row]) -> list[str]:
    """Where the helpers win or lose against ART, and why, with this run's numbers."""
    stock = pairs(rows, ART_STOCK, "DeepFool")
    logits = pairs(rows, ART_LOGITS, "DeepFool")
    one_step = pairs(rows, ART_LOGITS_ONE_STEP, "DeepFool")
    fgsm = pairs(rows, ART_STOCK, "FGSM")
    stock_size = [size_ratio(*pair)[0] for pair in stock]
    logit_size = [size_ratio(*pair)[0] for pair in logits]
    same_as_logits = all(abs(ratio - 1) <= 0.01 for ratio in logit_size)
    one_step_median = [times_faster(*pair)[0] for pair in one_step]
    one_step_min = [times_faster(*pair)[1] for pair in one_step]
    one_step_all = one_step_median + one_step_min
    per_step = ("the helpers are faster per step" if min(one_step_all) > 1.25
                else "ART is faster per step" if max(one_step_all) < 0.8
                else "no consistent winner per step (ratios between 0.8 and 1.25, or on both "
                     "sides of 1)")
    lines = [
        "Summary of this run:", "",
        f"- DeepFool size: the helpers' median L2 is {span(stock_size)} x ART's with ART's stock "
        f"wrappers, but {span(logit_size)} x ART's with the logit wrapper. "
        + ("So the helpers' smaller DeepFool changes come from what ART's stock scikit-learn "
           "wrappers predict (probabilities, one-hot labels), not from the algorithm: given the "
           "logits, ART's DeepFool finds the same changes, at the exact floor (times 1 + "
           "overshoot) like the helpers'." if same_as_logits else
           "ART's DeepFool on logits still differs from the helpers': see the goal lines."),
        f"- DeepFool time: with max_iter=50 the helpers are "
        f"{span([times_faster(*pair)[0] for pair in stock], '')}x as fast as ART on the stock "
        f"wrappers (whose class gradients ART computes sample by sample in Python loops) and "
        f"{span([times_faster(*pair)[0] for pair in logits], '')}x as fast on the logit "
        f"wrapper (median times). On the logit wrapper the reason is the number of steps: the "
        f"helpers stop after one, ART's loop runs all 50 (see Steps and time below). With one "
        f"step each (ART max_iter=1) the helpers are {span(one_step_median, '')}x as fast by "
        f"median time and "
        f"{span(one_step_min, '')}x by minimum time: {per_step}; ART's single step flips "
        f"{span([theirs.success for _, theirs in one_step], '.1%')} of the digits, the helpers' "
        f"{span([ours.success for ours, _ in one_step], '.1%')}.",
        "- FGSM (stock wrappers only): success "
        + ", ".join(f"{ours.success:.1%} vs {theirs.success:.1%} ({ours.model})"
                    for ours, theirs in fgsm)
        + "; median L2 ratio over the digits both fool "
        f"{span([size_ratio(*pair)[0] for pair in fgsm])}; the helpers "
        f"{span([times_faster(*pair)[0] for pair in fgsm], '')}x as fast (median times).",
    ]
    return lines


def goal_checks(rows: list[Row]) -> list[str]:
    """One line per (model, attack, ART wrapper): the helpers vs ART on the three goals."""
    lines = ["Goals (helpers vs ART): success rate >= ART's; median L2 <= 1.01 x ART's, both "
             "medians taken over the digits that both fool; faster (median time):", ""]
    for ours in rows:
        if ours.implementation != HELPERS:
            continue
        lines += [compare(ours, theirs) for theirs in rows
                  if theirs.implementation != HELPERS and theirs.model == ours.model
                  and theirs.attack == ours.attack]
    return lines


def to_markdown(rows: list[Row], command: str, header: list[str], notes: list[str]) -> str:
    """The results file: header, table, goal lines, notes."""
    lines = ["# Attacks: helpers vs the Adversarial Robustness Toolbox (ART)", "",
             f"Produced by `{command}` (from the repository root, `python` = a venv with "
             "requirements.txt, benchmarks/requirements.txt and `helpers` installed).", "",
             *header, "",
             "| model | attack | implementation | success rate | median L2 | median L-inf "
             "| time, median (s) | time, min (s) |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(
            f"| {r.model} | {r.attack} | {r.implementation} | {r.success:.1%} | "
            f"{r.median_l2:.4f} | {r.median_linf:.4f} | {r.median_seconds:.4f} | "
            f"{r.min_seconds:.4f} |"
        )
    return "\n".join(lines + ["", *goal_checks(rows), "", *summary(rows), "", *notes, ""])


def main(argv: Sequence[str] | None = None) -> None:
    """Run every attack on both models, write the results file and print it."""
    argv = list(sys.argv[1:] if argv is None else argv)
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
    rows: list[Row] = []
    measured: list[str] = []
    for name, model in [("LogisticRegression", logistic), ("LinearSVC", svc)]:
        print(f"{name}: test accuracy {model.score(X_test, y_test):.3f}", flush=True)
        model_rows, model_notes = benchmark_model(name, model, X_test, y_test, args.eps,
                                                  args.overshoot, args.repeats)
        rows += model_rows
        measured += model_notes
    header = machine_info(load) + [
        f"- data: {len(X_test)} held-out bundled MNIST digits 0-3 (pixels in [0, 1]); models "
        f"fitted on {len(X_train)}: LogisticRegression test accuracy "
        f"{logistic.score(X_test, y_test):.3f}, LinearSVC(C=0.01) {svc.score(X_test, y_test):.3f}",
        f"- timing: {args.repeats} runs of each attack on all test digits at once "
        "(ART with batch_size = all test digits; DeepFool max_iter=50 on both sides, plus the "
        "max_iter=1 rows); median and minimum wall time. The 2 cores are shared with other "
        "jobs, so times vary between runs: the minimum is the least disturbed",
    ]
    notes = [
        "How to read it:", "",
        "- Success rate: FGSM over the correctly classified test digits, DeepFool and the exact "
        "floor over all test digits. The table's median sizes are over each row's own successful "
        "perturbations; the goal lines instead compare medians over the digits BOTH sides fool "
        "(their number is given), so that different success sets do not skew the comparison.",
        "- FGSM size: every successful FGSM change has L-inf = eps on both sides by construction, "
        "so L-inf cannot tell them apart. L2 can: after the [0, 1] clip it measures how much of "
        "the image actually changed. The size goal for FGSM is therefore checked on L2 over the "
        "digits both fool. FGSM clips to [0, 1] on both sides.",
        "- DeepFool and the floor are unclipped on all sides (ART's classifiers are built without "
        "clip_values), so the exact minimal L2 change (overshoot 1e-9: it lies on the border) is "
        "a true floor.",
        "- ART's wrappers: the stock `SklearnClassifier` wrapper predicts `predict_proba` for "
        "LogisticRegression and one-hot labels for LinearSVC, while DeepFool is designed for "
        "logits; the logit wrapper (`LogitClassifier` in this script, not part of helpers or "
        "ART) gives ART's DeepFool the decision scores and their gradients (rows of `coef_`), "
        "the quantities the helpers' DeepFool uses. The stock and logit rows run the same ART "
        "algorithm; measured below, their class-gradient differences agree, so they differ only "
        "in what `predict` returns. With probabilities (LogisticRegression) DeepFool divides "
        "the gap between two probabilities, not two logits, by the logit-gradient norm; with "
        "one-hot predictions (LinearSVC) every gap is 1. Either way its estimate of the "
        "distance to each border is wrong, so it heads for the wrong border or steps too far.",
        "- Steps and time: ART's DeepFool step is |f| w / (||w||^2 + 1e-7) (ART's `tol` in the "
        "denominator), which ends just short of the linearised border. On a linear model its loop "
        "therefore sees no flip and runs all max_iter iterations, creeping up to the border; only "
        "the final (1 + epsilon) scaling crosses it. The helpers' step is lengthened by a "
        "relative 1e-6 (+1e-9) and crosses at once (step counts measured below). The "
        "max_iter=1 rows give ART the helpers' single step: they compare the cost of one step, "
        "and show whether one ART step plus the overshoot is enough to flip every digit.",
        "- For FGSM on LinearSVC, ART steps along the gradient of its own multiclass hinge loss, "
        "the helpers along the gradient of the softmax cross-entropy of the decision scores "
        "(see helpers.gradients): the two directions differ, so do the digits they fool.",
        "", "Measured in this run:", "",
        *[f"- {note}" for note in measured],
        "",
        "Not compared: kernel SVC (ART differentiates it; the helpers' gradients cover linear "
        "models and MLPClassifier only) and the networks (ART's scikit-learn wrappers have no "
        "MLPClassifier gradients).",
    ]
    markdown = to_markdown(rows, command_line(argv), header, notes)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
