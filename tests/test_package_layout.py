"""The package's layout rules (helpers/README.md), checked on the source so no change breaks them."""

import ast
import importlib.util
import json
from pathlib import Path

import pytest

import helpers

PACKAGE = Path(helpers.__file__).parent
ROOT = PACKAGE.parent
MAX_LINES = 500
COMPUTATION = ("data", "models", "fitcache", "linear", "grids", "network", "gradients", "attacks",
               "density", "remedies", "ood", "adaptive", "bottleneck", "fools",
               "scorecard", "training")
# benchmarks/requirements.txt (ART, Gurobi, SCIP), and the ONNX export's packages: no notebook
# uses them, so benchmarks/vnnlib.py and its test do, not helpers.
BENCHMARK_ONLY = ("art", "gurobipy", "gurobi_ml", "pyscipopt", "skl2onnx", "onnx", "onnxruntime")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "helpers":
                names |= {f"helpers.{alias.name}" for alias in node.names}
    return names


def _private_names_imported(path: Path) -> list[str]:
    """The names beginning with one underscore that ``path`` imports from a helpers module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level or
                                                 (node.module or "").startswith("helpers")):
            found += [f"{node.module}.{alias.name}" for alias in node.names
                      if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_no_module_is_over_the_size_limit(name):
    n_lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_LINES, f"{name} has {n_lines} lines; split it into a package"


@pytest.mark.parametrize("name", MODULES)
def test_no_private_scikit_learn_import(name):
    private = [m for m in _imports(MODULES[name]) if m.startswith("sklearn") and "._" in m]
    assert not private, f"{name} imports private scikit-learn modules {private}"


@pytest.mark.parametrize("name", MODULES)
def test_nothing_imports_a_benchmark_only_package(name):
    used = [m for m in _imports(MODULES[name]) if m.split(".")[0] in BENCHMARK_ONLY]
    assert not used, f"{name} imports {used}, which only the benchmarks use"


@pytest.mark.parametrize("name", [m for m in MODULES if m.split(".")[1:2] and
                                  m.split(".")[1] in COMPUTATION])
def test_computation_never_imports_plotting(name):
    drawing = [m for m in _imports(MODULES[name])
               if m.startswith(("helpers.plotting", "matplotlib", "seaborn"))]
    assert not drawing, f"{name} is computation but imports {drawing}"


@pytest.mark.parametrize("name", MODULES)
def test_no_private_name_is_imported_from_another_module(name):
    private = _private_names_imported(MODULES[name])
    assert not private, (f"{name} imports the private names {private}: give each a public, "
                         "documented name in its module, or make the two modules one")


def test_the_modules_import_no_cycle():
    graph = {name: {m for m in _imports(path) if m in MODULES and not m.startswith(name + ".")}
             for name, path in MODULES.items()}

    def visit(name, trail):
        for dependency in graph[name]:
            assert dependency not in trail, f"import cycle: {' -> '.join(trail + [dependency])}"
            visit(dependency, trail + [dependency])

    for name in graph:
        visit(name, [name])


def test_the_layout_rules_catch_a_violation(tmp_path):
    # The checks above read imports from the source: show they see one.
    bad = tmp_path / "bad.py"
    bad.write_text("from sklearn.linear_model._base import LinearClassifierMixin\n"
                   "from helpers import plotting\n"
                   "from helpers.attacks._checks import _looks_like_8_bit_pixels\n")
    assert "sklearn.linear_model._base" in _imports(bad)
    assert "helpers.plotting" in _imports(bad)
    assert _private_names_imported(bad) == ["helpers.attacks._checks._looks_like_8_bit_pixels"]


def _package_size():
    """scripts/package_size.py, which finds the callers of every public name."""
    path = ROOT / "scripts" / "package_size.py"
    spec = importlib.util.spec_from_file_location("package_size", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_public_function_and_class_has_a_caller_outside_the_tests():
    # Callers: notebooks (code, or prose naming it in code font), benchmarks/, scripts/, another
    # helpers module; see scripts/package_size.py. A name only the tests use is private or gone.
    uncalled = _package_size().uncalled(ROOT)
    assert not uncalled, (f"public names that nothing outside the tests uses: {uncalled}; "
                          "make each private (a leading underscore) or remove it")


def _plant(root: Path, helper_source: str, notebook_code: str = "", notebook_prose: str = "",
           benchmark: str = "") -> None:
    """A tiny repository: one helpers module, one notebook, one benchmark."""
    (root / "helpers").mkdir()
    (root / "helpers" / "__init__.py").write_text("")
    (root / "helpers" / "tools.py").write_text(helper_source)
    (root / "notebooks").mkdir()
    cells = [{"cell_type": "markdown", "metadata": {}, "source": [notebook_prose]},
             {"cell_type": "code", "metadata": {}, "source": [notebook_code], "outputs": [],
              "execution_count": None}]
    (root / "notebooks" / "01-x.ipynb").write_text(json.dumps({"cells": cells}))
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "run.py").write_text(benchmark)
    (root / "scripts").mkdir()


def test_the_caller_check_catches_a_planted_uncalled_function(tmp_path):
    # The check above reads the repository's files: show it sees a function nothing calls, and
    # that each kind of caller (and only a caller) saves one.
    module = _package_size()
    source = ("from dataclasses import dataclass\n\n"
              "@dataclass\nclass Result:\n    x: int\n\n"
              "def used_in_code() -> Result:\n    return _helper()\n\n"
              "def used_in_prose():\n    pass\n\n"
              "def used_by_benchmark():\n    pass\n\n"
              "def planted():\n    pass\n\n"
              "def _helper():\n    return used_by_benchmark()\n")
    _plant(tmp_path, source,
           notebook_code=("%matplotlib inline\nfrom helpers import tools\n"
                          "r = tools.used_in_code()\n"),
           notebook_prose="See `helpers.tools.used_in_prose`; planted is not named in code font.",
           benchmark="from helpers.tools import used_by_benchmark, planted  # imported, unused\n"
                     "used_by_benchmark()\n")
    assert module.uncalled(tmp_path) == ["helpers.tools.planted"]
    found = module.callers(tmp_path)
    # Result: returned by a function a notebook calls; used_by_benchmark: its own module's use
    # (in _helper) does not count, the benchmark's does.
    assert found["helpers.tools.Result"] == ["notebooks/01-x.ipynb"]
    assert found["helpers.tools.used_by_benchmark"] == ["benchmarks/run.py"]
