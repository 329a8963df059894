"""The series' standard network (issue 22): competent at every seed of the committed table.

``benchmarks/standard_network.py`` trains :func:`helpers.models.mnist_standard_network` at 21
seeds on digits 0-3 and on all ten digits; this asserts the targets on the committed table and
recomputes one row, so the table cannot drift from the builder.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import data, models

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import standard_network  # noqa: E402  (the benchmark's own row function)

TABLE = pd.read_csv(ROOT / "benchmarks" / "results" / "standard_network.csv")


@pytest.mark.parametrize("n_classes, target", sorted(standard_network.TARGETS.items()))
def test_every_seed_of_the_table_meets_the_accuracy_target(n_classes, target):
    part = TABLE[TABLE["classes"] == n_classes]
    assert len(part) >= 10 and part["seed"].is_unique
    assert models.MNIST_SEED in set(part["seed"])
    assert (part["accuracy"] >= target).all(), part[part["accuracy"] < target]


@pytest.mark.parametrize("n_classes", sorted(standard_network.TARGETS))
def test_no_seed_collapses_a_class(n_classes):
    """A collapsed training swallows a class (its recall near 0, as the bottleneck networks do
    at some seeds); the standard network's worst class keeps most of its digits."""
    part = TABLE[TABLE["classes"] == n_classes]
    assert (part["worst recall"] >= 0.8).all()


def test_one_row_of_the_table_is_recomputed():
    fresh = standard_network.seed_row(4, models.MNIST_SEED)
    stored = TABLE[(TABLE["classes"] == 4) & (TABLE["seed"] == models.MNIST_SEED)].iloc[0]
    # fits stop at a tolerance: on other numeric kernels an epoch may differ (a digit or two)
    assert abs(fresh["accuracy"] - stored["accuracy"]) <= 2 / 500
    assert abs(fresh["epochs"] - stored["epochs"]) <= 2


def test_the_builder_has_no_bottleneck_and_is_seeded():
    X_train, X_test, y_train, y_test = data.split_digits(*data.load_mnist_digits())
    a = models.mnist_standard_network().fit(X_train, y_train)  # warnings are errors
    b = models.mnist_standard_network().fit(X_train, y_train)
    assert a.hidden_layer_sizes == models.STANDARD_HIDDEN_LAYERS == (50, 20)
    assert a.activation == "relu" and a.random_state == models.MNIST_SEED
    np.testing.assert_array_equal(a.coefs_[1], b.coefs_[1])
    assert a.score(X_test, y_test) >= 0.95


def test_the_builder_refuses_a_bad_seed():
    with pytest.raises(ValueError, match="non-negative integer seed"):
        models.mnist_standard_network(random_state=-1)
