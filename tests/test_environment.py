"""The pin files agree, Binder installs the helpers package, and the README shows a real figure."""

import importlib.util
import os
import re
from pathlib import Path

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


def test_binder_post_build_installs_the_helpers_package():
    post_build = ROOT / "postBuild"
    assert os.access(post_build, os.X_OK), "postBuild must be executable for repo2docker"
    assert "pip install --no-deps -e ." in post_build.read_text()


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
