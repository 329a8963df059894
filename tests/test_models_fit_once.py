"""helpers.models.fit_once: a fit stored once for the series, loaded after, never stale."""

import os
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers import models


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 5))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _network():
    return MLPClassifier((4,), max_iter=2000, random_state=0)


def test_the_stored_fit_is_loaded_and_equals_a_fresh_fit(tmp_path, monkeypatch):
    X, y = _data()
    first = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.pkl"))) == 1

    def no_training(self, *args, **kwargs):
        raise AssertionError("fitted again although a stored fit exists")

    monkeypatch.setattr(MLPClassifier, "fit", no_training)
    loaded = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    monkeypatch.undo()
    fresh = _network().fit(X, y)
    for stored, trained in ((first, fresh), (loaded, fresh)):
        for a, b in zip(stored.coefs_ + stored.intercepts_, trained.coefs_ + trained.intercepts_):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict_proba(X), fresh.predict_proba(X))


def test_other_data_or_settings_are_fitted_anew(tmp_path):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    other_X, other_y = _data(seed=1)
    models.fit_once(_network(), other_X, other_y, cache_dir=tmp_path)
    models.fit_once(_network().set_params(alpha=1e-3), X, y, cache_dir=tmp_path)
    models.fit_once(_network(), X, 1 - y, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.pkl"))) == 4


def test_another_blas_setting_is_fitted_anew(tmp_path, monkeypatch):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Sandybridge")
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.pkl"))) == 2


def test_the_folder_comes_from_the_environment_variable(tmp_path, monkeypatch):
    X, y = _data()
    monkeypatch.setenv(models.FIT_CACHE_VARIABLE, str(tmp_path / "fits"))
    models.fit_once(LogisticRegression(), X, y)
    assert len(list((tmp_path / "fits").glob("*.pkl"))) == 1


def test_a_damaged_file_is_fitted_again_with_a_warning(tmp_path):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    (stored,) = tmp_path.glob("*.pkl")
    stored.write_bytes(stored.read_bytes()[:100])
    with pytest.warns(UserWarning, match="cannot be read"):
        again = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.coefs_[0], _network().fit(X, y).coefs_[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replaced: read without a warning now
        models.fit_once(_network(), X, y, cache_dir=tmp_path)


def test_a_file_holding_another_estimator_is_fitted_again_with_a_warning(tmp_path):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    (stored,) = tmp_path.glob("*.pkl")
    logistic = tmp_path / "other"
    models.fit_once(LogisticRegression(), X, y, cache_dir=logistic)
    os.replace(next(logistic.glob("*.pkl")), stored)
    with pytest.warns(UserWarning, match="another estimator"):
        again = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    assert isinstance(again, MLPClassifier)


def test_a_folder_that_cannot_be_written_warns_and_still_fits(tmp_path):
    X, y = _data()
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    with pytest.warns(UserWarning, match="Could not store the fit"):
        fitted = models.fit_once(_network(), X, y, cache_dir=blocked / "fits")
    assert fitted.predict(X).shape == y.shape


def test_a_fit_that_warns_is_not_stored_and_warns_every_time(tmp_path):
    X, y = _data()
    for _ in range(2):
        with pytest.warns(ConvergenceWarning):
            models.fit_once(MLPClassifier((4,), max_iter=2, random_state=0), X, y,
                            cache_dir=tmp_path)
    assert not list(tmp_path.glob("*.pkl"))


def test_something_that_is_not_an_estimator_is_refused(tmp_path):
    X, y = _data()
    with pytest.raises(TypeError, match="scikit-learn estimator"):
        models.fit_once("MLPClassifier", X, y, cache_dir=tmp_path)
