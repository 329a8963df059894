"""Shared fixtures. Figures are drawn with the non-interactive Agg backend and closed after each test."""

import importlib.util
from pathlib import Path
from types import ModuleType

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers import data, models  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """Three classes of 6-D points in the box [0, 1]: X (180, 6), y (180,)."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.3] * 3 + [0.7] * 3, [0.7] * 3 + [0.3] * 3, [0.5] * 6])
    y = np.repeat([0, 1, 2], 60)
    X = np.clip(centres[y] + rng.normal(scale=0.05, size=(len(y), 6)), 0, 1)
    return X, y


@pytest.fixture(scope="session")
def iris_xy() -> tuple[np.ndarray, np.ndarray]:
    """Iris petal features (150, 2) and species names (150,)."""
    frame = data.load_iris_petals()
    return frame[list(data.IRIS_FEATURES)].to_numpy(), frame[data.IRIS_TARGET].astype(str).to_numpy()


@pytest.fixture(scope="session")
def iris_model(iris_xy):
    """The series' multinomial logistic regression fitted on all 150 flowers."""
    X, y = iris_xy
    return models.iris_logistic_regression().fit(X, y)


def load_benchmark_script(name: str) -> ModuleType:
    """``benchmarks/<name>.py``, imported as a module (the benchmarks are scripts, not a package)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def remedies_script() -> ModuleType:
    """``benchmarks/remedies.py``, which writes the table notebooks 09 and 10 read their seeds from."""
    return load_benchmark_script("remedies")


@pytest.fixture(scope="session")
def remedies_per_seed(remedies_script) -> pd.DataFrame:
    """That table as notebooks 09 and 10 read it: (model, measurement) rows, one column per seed."""
    table = pd.read_csv(remedies_script.CSV)
    assert sorted(table["seed"].unique()) == sorted(remedies_script.SEEDS)
    return table.pivot_table(index=["model", "measurement"], columns="seed", values="value")


@pytest.fixture(scope="session")
def remedies_collapsed(remedies_per_seed, remedies_script) -> pd.DataFrame:
    """True where a model's training collapsed: the eight models as rows, in the notebooks'
    order, seeds as columns."""
    models_in_order = ["logistic regression", "identity network", "tanh network", "ReLU network",
                       "RBF SVM", "RBF SVM on layer 3", "density-gated", "Meinke-Hein (ReLU)"]
    recall = remedies_per_seed.xs("smallest class recall", level="measurement").loc[models_in_order]
    return recall < remedies_script.COLLAPSED_RECALL


@pytest.fixture(scope="session")
def remedies_kept(remedies_per_seed, remedies_collapsed):
    """``remedies_kept(measurement)``: one measurement of that table, models as rows, NaN where
    the training collapsed (as notebooks 09 and 10 leave those out)."""
    def kept(measurement: str) -> pd.DataFrame:
        one = remedies_per_seed.xs(measurement, level="measurement").loc[remedies_collapsed.index]
        return one.where(~remedies_collapsed)
    return kept


@pytest.fixture(scope="session")
def seeds_script() -> ModuleType:
    """``benchmarks/seeds.py``, the script that recomputes the seed-dependent statements."""
    return load_benchmark_script("seeds")


@pytest.fixture(scope="session")
def seeds_setup(seeds_script) -> dict:
    """The series' digit split and density, as the seeds script uses them (fitted once per session)."""
    return seeds_script.digits_and_density()
