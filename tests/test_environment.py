"""The pin files agree, Binder installs the helpers package, and the README shows a real figure."""

import ast
import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^\s*-?\s*([A-Za-z0-9_.\-\[\]]+)\s*==\s*([^\s#]+)")


def _pins(path: Path, section_start: str | None = None) -> dict[str, str]:
    lines = path.read_text().splitlines()
    if section_start is not None:
        lines = lines[next(i for i, line in enumerate(lines) if line.strip() == section_start) + 1 :]
    pins = {}
    for line in lines:
        match = PIN.match(line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_requirements_and_environment_pin_the_same_versions():
    requirements = _pins(ROOT / "requirements.txt")
    environment = _pins(ROOT / "environment.yml", section_start="- pip:")
    assert requirements, "requirements.txt holds no exact pins"
    assert requirements == environment


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert PIN.match(line), f"not an exact pin: {line!r}"


def test_environment_python_matches_the_package():
    environment = (ROOT / "environment.yml").read_text()
    version = re.search(r"-\s*python=(\d+\.\d+)", environment).group(1)
    requires = re.search(r'requires-python\s*=\s*">=(\d+\.\d+)"', (ROOT / "pyproject.toml").read_text())
    assert tuple(map(int, version.split("."))) >= tuple(map(int, requires.group(1).split(".")))


BINDER = ROOT / "binder"
#: What a reader's environment must not carry: test, site and browser tooling.
NOT_FOR_READERS = {"pytest", "nbval", "jupyter-book", "playwright", "sphinx-mathjax-offline", "nbclient"}


def _third_party_imports() -> set[str]:
    """Top-level modules imported by helpers/ and by the notebooks' code cells."""
    sources = [path.read_text() for path in (ROOT / "helpers").rglob("*.py")]
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(notebook.read_text())["cells"]
        sources += ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    modules = set()
    for source in sources:
        # IPython's own transformer turns magics and shell escapes into Python (a line that
        # merely starts with "!=" or "%" inside an expression stays as it is).
        for node in ast.walk(ast.parse(TransformerManager().transform_cell(source))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"__future__", "helpers"}


def test_binder_environment_pins_what_notebooks_import_and_jupyterlab():
    binder = _pins(BINDER / "environment.yml", section_start="- pip:")
    distributions = importlib.metadata.packages_distributions()
    imported = {module: distributions[module][0].lower().replace("_", "-") for module in _third_party_imports()}
    missing = {module: name for module, name in imported.items() if name not in binder}
    assert not missing, f"imported by the notebooks or helpers but not in binder/environment.yml: {missing}"
    assert {"jupyterlab", "ipykernel", "jupyter-client", "tornado"} <= binder.keys()
    assert not NOT_FOR_READERS & binder.keys(), "binder/ is a reader's environment: no test or site tools"


def test_binder_environment_agrees_with_requirements_and_constraints():
    binder = _pins(BINDER / "environment.yml", section_start="- pip:")
    requirements = _pins(ROOT / "requirements.txt")
    constraints = _pins(ROOT / "constraints.txt")
    different = {name: (pin, requirements.get(name, constraints.get(name)))
                 for name, pin in binder.items() if pin != requirements.get(name, constraints.get(name))}
    assert not different, f"binder/environment.yml disagrees with requirements.txt/constraints.txt: {different}"
    root_python = re.search(r"-\s*python=(\S+)", (ROOT / "environment.yml").read_text()).group(1)
    binder_python = re.search(r"-\s*python=(\S+)", (BINDER / "environment.yml").read_text()).group(1)
    assert binder_python == root_python


def test_binder_post_build_installs_the_helpers_package():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable for repo2docker"
    assert "pip install --no-deps -e ." in post_build.read_text()
    # With a binder/ folder repo2docker ignores the root's configuration files: none is left there.
    assert not (ROOT / "postBuild").exists()


@pytest.mark.parametrize("preset", [None, "2"])
def test_binder_start_limits_blas_threads_and_runs_the_server(preset):
    start = BINDER / "start"
    assert os.access(start, os.X_OK), "binder/start must be executable for repo2docker"
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    if preset is not None:
        environment["OPENBLAS_NUM_THREADS"] = preset
    shown = subprocess.run([str(start), sys.executable, "-c",
                            "import os; print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"],
                           env=environment, capture_output=True, text=True, check=True).stdout.split()
    assert shown == [preset or "1", "1"]  # a value the reader set is kept


def test_constraints_fix_every_requirement_at_its_pin():
    requirements = _pins(ROOT / "requirements.txt")
    constraints = _pins(ROOT / "constraints.txt")
    assert len(constraints) > len(requirements)  # the whole environment, not just what we name
    different = {name: (pin, constraints.get(name)) for name, pin in requirements.items()
                 if constraints.get(name) != pin}
    assert not different, f"requirements.txt and constraints.txt disagree: {different}"


def test_the_site_is_built_with_jupyter_book_1():
    # Jupyter Book 2.x downloads its theme at build time: the offline site needs 1.x.
    assert _pins(ROOT / "requirements.txt")["jupyter-book"].startswith("1.")


def test_the_readme_picture_is_the_figure_notebook_02_stored():
    spec = importlib.util.spec_from_file_location("readme_figure", ROOT / "scripts" / "readme_figure.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert (ROOT / "docs" / "fools.png").read_bytes() == script.readme_figure(), (
        "docs/fools.png is not notebook 02's stored figure: run `python scripts/readme_figure.py`"
    )


def test_the_benchmark_results_cover_exactly_the_notebooks():
    measured = re.findall(r"^\| (\S+\.ipynb) \|", (ROOT / "benchmarks" / "results" / "notebooks.md")
                          .read_text(), flags=re.MULTILINE)
    present = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(measured) == present, "re-run `make benchmark` after adding or renaming a notebook"


def test_ci_runs_nbval_again_as_on_an_older_cpu_and_never_the_newest_releases():
    ci = (ROOT / ".ci" / "run").read_text()
    restricted = [line for line in ci.splitlines() if "make nbval" in line and not line.startswith("#")]
    assert restricted and 'NPY_DISABLE_CPU_FEATURES="AVX512_ICL X86_V4 X86_V3"' in restricted[0]
    assert "OPENBLAS_CORETYPE=Sandybridge" in restricted[0]
    assert "test-latest" not in ci  # a release elsewhere must not block a landing


def test_make_test_latest_installs_no_pins():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest-latest:")[1].split("\n\n")[0]
    assert "constraints.txt" not in recipe and "-r requirements.txt" not in recipe
    assert "benchmarks/latest.py" in recipe
