"""benchmarks/vnnlib.py: the 10-class standard network in ONNX and the VNN-LIB properties at its
exact minima, as a verifier would read them.

The properties are read back with a small s-expression parser written here and evaluated with
the network run by onnxruntime: at 1 + 1e-3 times the exact minimum the solver's own change
(pushed 5e-4 further) satisfies every constraint (SAT), and at 1 - 1e-3 times it the digit lies in
the box but no other class is reached there.
"""

import csv
import re
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from scipy.special import softmax

from helpers import attacks, gradients

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import vnnlib  # noqa: E402

PEERS = ROOT / "benchmarks" / "results" / "peers.csv"


@pytest.fixture(scope="module")
def fitted():
    return vnnlib.fitted_network()


def _session(model) -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(model.SerializeToString(),
                                        providers=["CPUExecutionProvider"])


def _logits(session, X: np.ndarray) -> np.ndarray:
    """The verifier's graph on each row (its batch size is 1)."""
    return np.vstack([session.run(["logits"], {"X": x[None].astype(np.float32)})[0] for x in X])


def _parse(text: str) -> list:
    """The top-level forms of an SMT-LIB text, as nested lists of tokens (comments dropped)."""
    tokens = re.findall(r"\(|\)|[^\s()]+", re.sub(r";[^\n]*", "", text))
    stack = [[]]
    for token in tokens:
        if token == "(":
            stack.append([])
        elif token == ")":
            form = stack.pop()
            stack[-1].append(form)
        else:
            stack[-1].append(token)
    assert len(stack) == 1, "unbalanced parentheses"
    return stack[0]


def _holds(term: list, values: dict[str, float]) -> bool:
    operator, *arguments = term
    if operator in ("and", "or"):
        results = [_holds(argument, values) for argument in arguments]
        return all(results) if operator == "and" else any(results)
    left, right = (values[a] if a in values else float(a) for a in arguments)
    return {"<=": left <= right, ">=": left >= right}[operator]


class Property:
    """A parsed property: its declarations, input assertions and output assertions."""

    def __init__(self, text: str) -> None:
        forms = _parse(text)
        self.declared = [form[1] for form in forms if form[0] == "declare-const"]
        assert all(form[2] == "Real" for form in forms if form[0] == "declare-const")
        asserts = [form[1] for form in forms if form[0] == "assert"]
        assert len(self.declared) + len(asserts) == len(forms), "a form that is neither"
        self.inputs = [a for a in asserts if not any("Y_" in str(t) for t in a)]
        self.outputs = [a for a in asserts if any("Y_" in str(t) for t in a)]

    def box(self, n_features: int) -> tuple[np.ndarray, np.ndarray]:
        low, high = np.full(n_features, np.nan), np.full(n_features, np.nan)
        for operator, name, value in self.inputs:
            (high if operator == "<=" else low)[int(name[2:])] = float(value)
        return low, high

    def satisfied_by(self, x: np.ndarray, y: np.ndarray) -> tuple[bool, bool]:
        """Whether ``x`` meets the input assertions, and the logits ``y`` the output ones."""
        values = {f"X_{i}": v for i, v in enumerate(x)} | {f"Y_{j}": v for j, v in enumerate(y)}
        return (all(_holds(a, values) for a in self.inputs),
                all(_holds(a, values) for a in self.outputs))


def test_the_onnx_classifier_reproduces_predict_proba(fitted):
    net, X, _ = fitted
    label, probabilities = _session(vnnlib.classifier_onnx(net)).run(
        ["label", "probabilities"], {"X": X})
    assert np.abs(probabilities - net.predict_proba(X)).max() <= 1e-6
    assert (label == net.predict(X)).all()


def test_the_verifiers_graph_computes_the_logits_with_plain_nodes(fitted):
    net, X, _ = fitted
    model = vnnlib.logits_onnx(net)
    assert {node.op_type for node in model.graph.node} == {"MatMul", "Add", "Relu"}
    shape = [[d.dim_value for d in v.type.tensor_type.shape.dim]
             for v in (model.graph.input[0], model.graph.output[0])]
    assert shape == [[1, 784], [1, 10]] and model.graph.output[0].name == "logits"
    logits = _logits(_session(model), X)
    assert np.abs(logits - gradients.logits(net, X)).max() <= 1e-4  # float32
    assert (net.classes_[logits.argmax(axis=1)] == net.predict(X)).all()
    assert np.abs(softmax(logits.astype(float), axis=1) - net.predict_proba(X)).max() <= 1e-5


def test_a_property_states_the_box_and_the_unsafe_outputs(fitted):
    net, X, y = fitted
    x0, label, radius = X[0], int(y[0]), 0.05
    text = vnnlib.property_text(x0, label, radius, 10, "a comment")
    assert text.startswith("; a comment\n")
    found = Property(text)
    assert found.declared == [f"X_{i}" for i in range(784)] + [f"Y_{j}" for j in range(10)]
    low, high = found.box(784)
    np.testing.assert_array_equal(low, np.clip(x0 - radius, 0, 1))  # the numerals round-trip
    np.testing.assert_array_equal(high, np.clip(x0 + radius, 0, 1))
    inside = (x0 > radius) & (x0 < 1 - radius)
    assert inside.any() and (low >= 0).all() and (high <= 1).all()
    np.testing.assert_allclose(high[inside] - x0[inside], radius)
    np.testing.assert_allclose(x0[inside] - low[inside], radius)
    assert not re.search(r"\d[eE][-+]?\d", text), "SMT-LIB reals take no exponent"
    (unsafe,) = found.outputs
    assert unsafe[0] == "or" and unsafe[1:] == [["and", [">=", f"Y_{j}", f"Y_{label}"]]
                                                for j in range(10) if j != label]


@pytest.fixture(scope="module")
def exported(fitted, tmp_path_factory):
    """One digit solved exactly (the second of the benchmarks' seeded order: few binaries), its
    minimum written as a results table and exported."""
    net, X, y = fitted
    correct = np.flatnonzero(net.predict(X) == y)
    row = int(np.random.default_rng(0).permutation(correct)[1])
    cap = attacks.smallest_pgd(net, X[[row]], y[[row]]).eps
    exact = attacks.minimal_perturbation_relu(net, X[[row]], upper_bound=cap)
    assert exact.optimal[0]
    folder = tmp_path_factory.mktemp("vnnlib")
    results = folder / "results.csv"
    results.write_text(f"test_row,label,helpers eps,helpers status\n{row},{y[row]},"
                       f"{float(exact.eps[0])!r},optimal\n")
    expected = vnnlib.export(results, "helpers", folder / "out", fitted)
    return row, exact, expected, folder / "out"


def test_above_the_minimum_the_solvers_change_satisfies_the_property(fitted, exported):
    net, X, _ = fitted
    row, exact, expected, out = exported
    found = Property((out / f"prop_{row}_above.vnnlib").read_text())
    x0, x_adv = X[row], exact.x_adv[0]
    pushed = np.clip(x0 + (1 + 5e-4) * (x_adv - x0), 0, 1)  # clear of float32 rounding
    logits = _logits(_session(vnnlib.logits_onnx(net)), pushed[None])[0]
    assert found.satisfied_by(pushed, logits) == (True, True)
    assert net.predict(pushed[None])[0] != net.predict(x0[None])[0]


def test_below_the_minimum_the_digit_is_in_the_box_and_no_class_is_reached(fitted, exported):
    net, X, _ = fitted
    row, exact, expected, out = exported
    found = Property((out / f"prop_{row}_below.vnnlib").read_text())
    session = _session(vnnlib.logits_onnx(net))
    assert found.satisfied_by(X[row], _logits(session, X[[row]])[0]) == (True, False)
    in_box, _ = found.satisfied_by(exact.x_adv[0], _logits(session, exact.x_adv)[0])
    assert not in_box  # the exact change is outside the box below the minimum
    low, high = found.box(784)
    assert np.max(np.maximum(high - X[row], X[row] - low)) == pytest.approx(
        (1 - 1e-3) * exact.eps[0])


def test_the_export_lists_its_instances_and_expected_answers(exported):
    row, exact, expected, out = exported
    assert [(e["property"], e["expected"]) for e in expected] == [
        (f"prop_{row}_below.vnnlib", "unsat"), (f"prop_{row}_above.vnnlib", "sat")]
    instances = [line.split(",") for line in (out / "instances.csv").read_text().splitlines()]
    assert instances == [[vnnlib.NETWORK, e["property"], str(vnnlib.TIMEOUT)] for e in expected]
    assert all((out / name).exists() for name, _, _ in
               [(vnnlib.NETWORK, 0, 0), (vnnlib.CLASSIFIER, 0, 0)] + instances)
    with (out / "expected.csv").open() as source:
        assert [r["expected"] for r in csv.DictReader(source)] == ["unsat", "sat"]


def test_the_committed_peer_results_export(fitted, tmp_path):
    """The committed benchmark's proven digits (its helpers column) give two properties each."""
    with PEERS.open() as source:
        proven = [r for r in csv.DictReader(source) if r["helpers status"] == "optimal"]
    expected = vnnlib.export(PEERS, "helpers", tmp_path, fitted)
    assert len(expected) == 2 * len(proven) > 0
    first = proven[0]
    low, high = Property((tmp_path / expected[1]["property"]).read_text()).box(784)
    assert np.max(high - low) <= 2 * (1 + 1e-3) * float(first["helpers eps"]) * (1 + 1e-12)


def _results(tmp_path, lines: str) -> Path:
    path = tmp_path / "results.csv"
    path.write_text(lines)
    return path


def test_results_of_another_network_are_refused(fitted, tmp_path):
    net, X, _ = fitted
    wrong = (int(net.predict(X[:1])[0]) + 1) % 10
    path = _results(tmp_path, f"test_row,label,lp eps,lp status\n0,{wrong},0.03,optimal\n")
    with pytest.raises(ValueError, match="not of the 10-class standard network.*exact.py"):
        vnnlib.export(path, "lp", tmp_path / "out", fitted)


def test_missing_columns_are_named(fitted, tmp_path):
    path = _results(tmp_path, "test_row,label,lp eps\n0,1,0.03\n")
    with pytest.raises(ValueError, match=r"no column \['lp status'\].*--solver"):
        vnnlib.export(path, "lp", tmp_path / "out", fitted)


def test_results_without_a_proven_digit_are_refused(fitted, tmp_path):
    net, X, _ = fitted
    label = int(net.predict(X[:1])[0])
    path = _results(tmp_path, f"test_row,label,lp eps,lp status\n0,{label},0.03,time limit\n")
    with pytest.raises(ValueError, match="proves no digit optimal"):
        vnnlib.export(path, "lp", tmp_path / "out", fitted)
