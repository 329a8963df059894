import numpy as np
import pandas as pd

from helpers import data


def test_iris_petals_has_150_rows_two_features_and_the_three_species():
    frame = data.load_iris_petals()
    assert frame.shape == (150, 3)
    assert list(frame.columns) == [*data.IRIS_FEATURES, data.IRIS_TARGET]
    assert list(frame[data.IRIS_TARGET].cat.categories) == list(data.IRIS_CLASSES)
    assert frame[data.IRIS_TARGET].value_counts().tolist() == [50, 50, 50]


def test_iris_petals_are_the_real_measurements():
    frame = data.load_iris_petals()
    # First flower of Fisher's table: petal 1.4 cm long, 0.2 cm wide, setosa; last: 5.1, 1.8, virginica.
    assert frame.iloc[0].tolist() == [1.4, 0.2, "setosa"]
    assert frame.iloc[-1].tolist() == [5.1, 1.8, "virginica"]
    assert frame[list(data.IRIS_FEATURES)].dtypes.map(pd.api.types.is_float_dtype).all()
    assert np.isfinite(frame[list(data.IRIS_FEATURES)].to_numpy()).all()
