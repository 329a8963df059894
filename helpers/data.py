"""Data loaders that return tidy, named data.

Every loader works offline: Iris ships with scikit-learn.
"""

from __future__ import annotations

import pandas as pd
from sklearn.datasets import load_iris

#: The two Iris features the series uses, as column names (and axis labels).
IRIS_FEATURES: tuple[str, str] = ("petal length (cm)", "petal width (cm)")
#: The Iris classes, in the order scikit-learn's models sort them.
IRIS_CLASSES: tuple[str, str, str] = ("setosa", "versicolor", "virginica")
#: Name of the target column of :func:`load_iris_petals`.
IRIS_TARGET: str = "flower"


def load_iris_petals() -> pd.DataFrame:
    """Load the 150 Iris flowers with only petal length and petal width.

    Returns
    -------
    DataFrame of shape (150, 3)
        Columns ``"petal length (cm)"``, ``"petal width (cm)"`` (floats) and ``"flower"``
        (the species name as an ordered categorical: setosa, versicolor, virginica).
    """
    iris = load_iris(as_frame=True)
    frame = iris.frame[list(IRIS_FEATURES)].copy()
    frame[IRIS_TARGET] = pd.Categorical.from_codes(
        iris.target.to_numpy(), categories=list(IRIS_CLASSES), ordered=True
    )
    return frame
