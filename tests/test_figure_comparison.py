"""notebooks/conftest.py: nbval compares the re-rendered figures with the stored PNGs too."""

import base64
import importlib.util
import io
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

PLUGIN = Path(__file__).resolve().parents[1] / "notebooks" / "conftest.py"
spec = importlib.util.spec_from_file_location("nbval_figures", PLUGIN)
nbval_figures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nbval_figures)


def _png(pixels, size=(2, 2)):
    fig, ax = plt.subplots(figsize=size, dpi=50)
    ax.imshow(pixels, cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def digit():
    image = np.zeros((8, 8))
    image[2:6, 3:5] = 1.0
    return image


def test_the_same_figure_passes(digit, tmp_path):
    assert nbval_figures.figure_differences([_png(digit)], [_png(digit)], 1.0, "same", tmp_path) == []


def test_a_changed_figure_fails_and_its_images_are_kept(digit, tmp_path):
    changed = digit.copy()
    changed[2:6, 5] = 1.0  # one more column of ink
    problems = nbval_figures.figure_differences([_png(digit)], [_png(changed)], 1.0, "nb-cell3", tmp_path)
    assert len(problems) == 2 and "figure 0 differs from the stored one: RMS" in problems[0]
    rms = float(problems[0].split("RMS ")[1].split(" ")[0])
    assert rms > 1.0
    assert {p.name for p in tmp_path.iterdir()} >= {"nb-cell3-figure0-stored.png", "nb-cell3-figure0-fresh.png"}
    # and a tolerance above the difference accepts it
    assert nbval_figures.figure_differences([_png(digit)], [_png(changed)], rms + 1, "x", None) == []


def test_a_missing_figure_or_another_size_fails(digit):
    assert "drew 0 figure(s); the notebook stores 1" in nbval_figures.figure_differences(
        [_png(digit)], [], 1.0, "x", None
    )[0]
    problems = nbval_figures.figure_differences([_png(digit)], [_png(digit, size=(3, 2))], 1.0, "x", None)
    assert "figure 0:" in problems[0] and "size" in problems[0].lower()


def _run_pytest(folder, *options):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "figure.ipynb", "--nbval", "--nbval-current-env",
         "-p", "no:cacheprovider", f"--nbval-figure-diffs={folder / 'diffs'}", *options],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )


def test_nbval_run_fails_on_a_changed_stored_figure(tmp_path):
    """End to end: a notebook executed, then its stored figure changed by one stroke."""
    shutil.copy(PLUGIN, tmp_path / "conftest.py")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nimport numpy as np\n%matplotlib inline\n"
            "image = np.zeros((8, 8)); image[2:6, 3:5] = 1\n"
            "plt.imshow(image, cmap='gray'); plt.axis('off'); plt.show()\nprint('drawn')"
        )
    ]
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    nbformat.write(notebook, tmp_path / "figure.ipynb")
    passed = _run_pytest(tmp_path)
    assert passed.returncode == 0, passed.stdout

    outputs = notebook.cells[0].outputs
    figure = next(o for o in outputs if "image/png" in o.get("data", {}))
    stored = plt.imread(io.BytesIO(base64.b64decode(figure["data"]["image/png"])))
    stored[stored.shape[0] // 2, :, :3] = 1.0 - stored[stored.shape[0] // 2, :, :3]  # one line inverted
    buffer = io.BytesIO()
    plt.imsave(buffer, stored, format="png")
    figure["data"]["image/png"] = base64.b64encode(buffer.getvalue()).decode()
    nbformat.write(notebook, tmp_path / "figure.ipynb")

    failed = _run_pytest(tmp_path)
    assert failed.returncode == 1
    assert "Cell figures differ" in failed.stdout and "figure 0 differs from the stored one: RMS" in failed.stdout
    assert (tmp_path / "diffs").is_dir()
    assert _run_pytest(tmp_path, "--nbval-no-figures").returncode == 0  # plain nbval never sees it
