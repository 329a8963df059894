"""Check the exact minima with any verifier: the 10-class standard network in ONNX, properties in VNN-LIB.

Run from the repository root, after an exact run on the 10-class standard network::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/vnnlib.py

(about 10 s). It fits :func:`helpers.models.mnist_standard_network` on the ten bundled digits
(the series' split, as ``benchmarks/peers.py`` and ``benchmarks/exact.py`` do; the fit is
deterministic), reads the exact minima ε* of the digits that were proven optimal from
``--results`` (a CSV with the columns ``test_row``, ``label``, ``<solver> eps`` and ``<solver>
status``; by default ``benchmarks/results/exact-standard.csv`` and its L-infinity columns,
``inf``, or ``benchmarks/results/peers.csv`` with ``--solver helpers``), and writes into ``--out``
(``benchmarks/vnnlib/``, not committed):

- ``standard-network-10.onnx``: the network's logits, the graph a verifier reads. Input ``X`` of
  shape (1, 784), float32, the pixels in [0, 1] in row-major 28 x 28 order (the bundled digits'
  layout, no normalisation); output ``logits`` of shape (1, 10), column ``j`` for digit ``j``.
  It is skl2onnx's graph of the ``MLPClassifier`` cut before its softmax (VNN-LIB properties are
  stated on the network's outputs, and the softmax keeps their order, so "some other logit is at
  least the predicted one" is "some other probability is"), without skl2onnx's float-to-float
  cast of the input: MatMul, Add and Relu nodes only, ONNX opset 13, float32 like the VNN-COMP
  networks (its logits are within 1e-4 of scikit-learn's float64 ones on the test digits, and
  its argmax is ``predict``: ``tests/test_vnnlib.py``).
- ``standard-network-10-classifier.onnx``: skl2onnx's whole graph in float64 (input ``X`` of
  any batch size, outputs ``label`` and ``probabilities``), which reproduces ``predict_proba``
  to 1e-6 (in float32 its probabilities differed by up to 1.2e-6 on the test digits).
- per digit proven optimal, two properties in the format of VNN-COMP's ``mnist_fc`` benchmark,
  each stating the *unsafe* condition "some other class's logit is at least the digit's
  label's" over the L-infinity box of radius ``factor * ε*`` around the digit, cut to [0, 1]:
  ``prop_<test row>_below.vnnlib`` at factor 1 - 1e-3 (below the minimum: a sound verifier
  must answer UNSAT, "holds"), ``prop_<test row>_above.vnnlib`` at 1 + 1e-3 (above it: SAT,
  "violated", with a counterexample);
- ``instances.csv``: VNN-COMP's list of instances (``onnx,vnnlib,timeout`` per line);
  ``expected.csv``: per property, the digit, its label, ε*, the factor and the answer expected.

ε* was proven to a relative gap of 1e-4 with a margin of 1e-6 between the logits, both far
inside the factors' 1e-3, so the expected answers hold for the real minimum too.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import onnx
from onnx.utils import Extractor
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from sklearn.neural_network import MLPClassifier

from helpers import models
from standard_network import split

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "exact-standard.csv"
OUT = ROOT / "benchmarks" / "vnnlib"
NETWORK = "standard-network-10.onnx"
CLASSIFIER = "standard-network-10-classifier.onnx"
N_CLASSES = 10
#: ONNX opset of the exported graphs: old enough for the VNN-COMP tools' ONNX readers.
OPSET = 13
#: The factors of ε* at which the properties are stated, and what a verifier must answer.
FACTORS = {"below": (1 - 1e-3, "unsat"), "above": (1 + 1e-3, "sat")}
#: The timeout (s) written into ``instances.csv`` (VNN-COMP's mnist_fc used 120 s).
TIMEOUT = 120


def fitted_network() -> tuple[MLPClassifier, np.ndarray, np.ndarray]:
    """The 10-class standard network fitted on the series' split; the test digits and labels."""
    X_train, X_test, y_train, y_test = split(N_CLASSES)
    return models.mnist_standard_network().fit(X_train, y_train), X_test, y_test


def classifier_onnx(net: MLPClassifier) -> onnx.ModelProto:
    """skl2onnx's graph of ``net`` in float64: input ``X`` (any batch), outputs ``label`` and
    ``probabilities`` (no ZipMap)."""
    features = DoubleTensorType([None, net.n_features_in_])
    return convert_sklearn(net, initial_types=[("X", features)],
                           options={id(net): {"zipmap": False}}, target_opset=OPSET)


def logits_onnx(net: MLPClassifier) -> onnx.ModelProto:
    """The graph a verifier reads: input ``X`` of shape (1, n_features), output ``logits`` of
    shape (1, n_classes); skl2onnx's graph cut before the softmax, without the input cast."""
    full = convert_sklearn(net, initial_types=[("X", FloatTensorType([1, net.n_features_in_]))],
                           options={id(net): {"zipmap": False}}, target_opset=OPSET)
    softmax = [node for node in full.graph.node if node.op_type == "Softmax"]
    if len(softmax) != 1:
        raise ValueError(f"expected skl2onnx's graph to end in one Softmax, found {len(softmax)}; "
                         "check the skl2onnx version against benchmarks' pins.")
    inferred = onnx.shape_inference.infer_shapes(full)  # the Extractor needs every shape
    model = Extractor(inferred).extract_model(["X"], [softmax[0].input[0]])
    graph = model.graph
    for cast in [node for node in graph.node if node.op_type == "Cast"]:  # float to float
        for node in graph.node:
            node.input[:] = [cast.input[0] if name == cast.output[0] else name
                             for name in node.input]
        graph.node.remove(cast)
    last = next(node for node in graph.node if node.output[0] == graph.output[0].name)
    last.output[0] = graph.output[0].name = "logits"
    del model.opset_import[:]
    model.opset_import.append(onnx.helper.make_opsetid("", OPSET))
    onnx.checker.check_model(model, full_check=True)
    return model


def proven_minima(results: Path, solver: str, predicted: np.ndarray) -> list[tuple[int, int,
                                                                                   float]]:
    """``(test row, label, ε*)`` of every digit ``results`` proves optimal with ``solver``.

    Parameters
    ----------
    results : Path
    solver : str
    predicted : ndarray of shape (n_test,)
        The network's class for each test digit of the 10-class split.

    Raises
    ------
    ValueError
        If a column is missing, a digit's label is not the class the network gives it (the
        results are of another network or another split), or no digit is proven optimal.
    """
    with results.open(newline="") as source:
        table = list(csv.DictReader(source))
    needed = ["test_row", "label", f"{solver} eps", f"{solver} status"]
    missing = [name for name in needed if not table or name not in table[0]]
    if missing:
        raise ValueError(f"{results.name} has no column {missing}; its columns: "
                         f"{list(table[0]) if table else []}. Pass --solver with the prefix of "
                         "its '<solver> eps' and '<solver> status' columns.")
    rows = np.array([int(r["test_row"]) for r in table])
    labels = np.array([int(r["label"]) for r in table])
    wrong = (rows >= len(predicted)) | (predicted[np.minimum(rows, len(predicted) - 1)] != labels)
    if wrong.any():
        raise ValueError(
            f"{results.name} is not of the 10-class standard network: at {int(wrong.sum())} of "
            f"its {len(rows)} rows the network does not predict the label it gives in the "
            f"ten-digit test split (first test row {int(rows[wrong][0])}). Run "
            "benchmarks/exact.py on the 10-class network, or pass --results "
            "benchmarks/results/peers.csv --solver helpers.")
    proven = [(int(r["test_row"]), int(r["label"]), float(r[f"{solver} eps"])) for r in table
              if r[f"{solver} status"] == "optimal"]
    if not proven:
        raise ValueError(f"{results.name} proves no digit optimal with {solver!r}: nothing to "
                         "check. Finish its exact run first.")
    return proven


def _number(value: float) -> str:
    """A decimal numeral (no exponent: SMT-LIB reals), the float64 exactly."""
    return np.format_float_positional(value, unique=True, trim="0")


def property_text(x0: np.ndarray, label: int, radius: float, n_classes: int,
                  comment: str) -> str:
    """A VNN-LIB property, VNN-COMP ``mnist_fc``'s layout: the box ``|X - x0| <= radius``
    within [0, 1], and the unsafe condition "some ``Y_j`` with ``j != label`` is ``>= Y_label``".

    Parameters
    ----------
    x0 : ndarray of shape (n_features,)
    label : int
        The digit's class (its logit's column).
    radius : float
    n_classes : int
    comment : str
        The first line's comment (no newline).
    """
    low, high = np.clip(x0 - radius, 0.0, 1.0), np.clip(x0 + radius, 0.0, 1.0)
    lines = [f"; {comment}", ""]
    lines += [f"(declare-const X_{i} Real)" for i in range(len(x0))] + [""]
    lines += [f"(declare-const Y_{j} Real)" for j in range(n_classes)]
    lines += ["", "; Input constraints:"]
    for i, (lo, hi) in enumerate(zip(low, high)):
        lines += [f"(assert (<= X_{i} {_number(hi)}))", f"(assert (>= X_{i} {_number(lo)}))"]
    lines += ["", "; Output constraints (unsafe: another class at least as likely):",
              "(assert (or"]
    lines += [f"    (and (>= Y_{j} Y_{label}))" for j in range(n_classes) if j != label]
    return "\n".join(lines + ["))", ""])


def export(results: Path = RESULTS, solver: str = "inf", out: Path = OUT,
           fitted: tuple | None = None) -> list[dict]:
    """Write the two ONNX graphs, the properties, ``instances.csv`` and ``expected.csv``.

    Parameters
    ----------
    results : Path
        The exact results (see the module's docstring).
    solver : str
        The prefix of their ``<solver> eps`` and ``<solver> status`` columns.
    out : Path
        The folder written to (created if need be).
    fitted : (MLPClassifier, ndarray, ndarray), optional
        :func:`fitted_network`'s answer, if already computed.

    Returns
    -------
    list of dict
        ``expected.csv``'s rows: ``property``, ``test_row``, ``label``, ``eps``, ``factor``,
        ``expected``.
    """
    net, X_test, _ = fitted if fitted is not None else fitted_network()
    proven = proven_minima(results, solver, net.predict(X_test))
    out.mkdir(parents=True, exist_ok=True)
    onnx.save(logits_onnx(net), out / NETWORK)
    onnx.save(classifier_onnx(net), out / CLASSIFIER)
    expected = []
    for row, label, eps in proven:
        for name, (factor, answer) in FACTORS.items():
            path = f"prop_{row}_{name}.vnnlib"
            comment = (f"MNIST test row {row} of the series' ten-digit split, label {label}; "
                       f"box radius {factor:g} x eps* (eps* = {eps!r}); expected: {answer}.")
            (out / path).write_text(property_text(X_test[row], label, factor * eps, N_CLASSES,
                                                  comment))
            expected.append({"property": path, "test_row": row, "label": label, "eps": eps,
                             "factor": factor, "expected": answer})
    (out / "instances.csv").write_text(
        "".join(f"{NETWORK},{e['property']},{TIMEOUT}\n" for e in expected))
    with (out / "expected.csv").open("w", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(expected[0]))
        writer.writeheader()
        writer.writerows(expected)
    return expected


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--solver", default="inf",
                        help="prefix of the results' '<solver> eps' and '<solver> status' columns")
    parser.add_argument("--out", type=Path, default=OUT)
    arguments = parser.parse_args()
    try:
        written = export(arguments.results, arguments.solver, arguments.out)
    except ValueError as error:
        parser.error(str(error))
    print(f"{len(written)} properties of {len(written) // 2} digits, {NETWORK} and {CLASSIFIER} "
          f"in {arguments.out}")
