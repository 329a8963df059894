"""helpers.plotting.remedies: confidence along rays, the evaluation heat map."""

import numpy as np
import pandas as pd
import pytest

from helpers.plotting import plot_confidence_along_rays, plot_evaluation_table


def test_confidence_along_rays_draws_one_line_per_model():
    alphas = np.geomspace(1, 100, 5)
    ax = plot_confidence_along_rays(alphas, {"a": np.ones((5, 3)), "b": np.full((5, 3), 0.5)},
                                    n_classes=4)
    assert len(ax.lines) == 3 and ax.get_xscale() == "log"


def test_confidence_along_rays_rejects_a_bad_shape():
    with pytest.raises(ValueError, match="expected \\(5, n_images\\)"):
        plot_confidence_along_rays(np.arange(1, 6), {"a": np.ones((4, 3))})


def test_evaluation_table_writes_every_value():
    table = pd.DataFrame({"accuracy": [0.9, 0.8], "AUC": [0.5, np.nan]}, index=["m1", "m2"])
    ax = plot_evaluation_table(table, {"accuracy": False, "AUC": False})
    assert [t.get_text() for t in ax.texts] == ["0.90", "0.50", "0.80"]


def test_evaluation_table_rejects_values_outside_zero_one():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        plot_evaluation_table(pd.DataFrame({"a": [2.0]}), {"a": True})


def test_evaluation_table_needs_a_direction_per_column():
    with pytest.raises(ValueError, match="lacks"):
        plot_evaluation_table(pd.DataFrame({"a": [0.5]}), {})
