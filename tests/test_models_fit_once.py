"""helpers.models.fit_once (helpers.fitcache): a fit stored once for the series, loaded after,
never stale, never pickled, and never used unless it passes every check."""

import io
import json
import os
import pathlib
import pickle
import socket
import stat
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from helpers import fitcache, models


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 5))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _network():
    return MLPClassifier((4,), learning_rate_init=0.05, max_iter=1000, random_state=0)


def _stored(folder):
    (path,) = folder.glob("*.npz")
    return path


def _public_fitted(model):
    return {name: value for name, value in vars(model).items()
            if name.endswith("_") and not name.startswith("_")}


def _assert_same_fit(loaded, fresh):
    assert type(loaded) is type(fresh) and loaded.get_params() == fresh.get_params()
    mine, theirs = _public_fitted(loaded), _public_fitted(fresh)
    assert sorted(mine) == sorted(theirs)
    for name, value in theirs.items():
        if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            assert all(np.array_equal(a, b) for a, b in zip(mine[name], value)), name
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(mine[name], value)
            assert mine[name].dtype == value.dtype, name
        else:
            assert mine[name] == value and type(mine[name]) is type(value), name


def _rewrite(path, change):
    """Rewrite a stored fit: ``change(arrays, record)`` edits it in place."""
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    record = json.loads(arrays["record"].tobytes().decode())
    change(arrays, record)
    arrays["record"] = np.frombuffer(json.dumps(record).encode(), dtype=np.uint8)
    with open(path, "wb") as stream:
        np.savez(stream, **arrays)


def test_the_stored_fit_is_loaded_and_equals_a_fresh_fit(tmp_path, monkeypatch):
    X, y = _data()
    first = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    _stored(tmp_path)

    def no_training(self, *args, **kwargs):
        raise AssertionError("fitted again although a stored fit exists")

    monkeypatch.setattr(MLPClassifier, "fit", no_training)
    loaded = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    monkeypatch.undo()
    fresh = _network().fit(X, y)
    _assert_same_fit(first, fresh)
    _assert_same_fit(loaded, fresh)
    np.testing.assert_array_equal(loaded.predict_proba(X), fresh.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), fresh.predict(X))


@pytest.mark.parametrize(
    "estimator, labels",
    [
        (models.mnist_identity_network(), "three"),  # sgd, early stopping
        (MLPClassifier((3,), solver="lbfgs", max_iter=2000, random_state=0), "three"),
        (_network(), "strings"),
        (LogisticRegression(), "two"),
        (LogisticRegression(), "strings"),
    ],
    ids=["sgd early stopping", "lbfgs", "network, string labels", "logistic, two classes",
         "logistic, string labels"],
)
def test_every_storable_fit_comes_back_the_same(tmp_path, estimator, labels):
    X, y = _data()
    y = {"two": y, "three": (X[:, 0] > -0.5).astype(int) + (X[:, 0] > 0.5),
         "strings": np.where(y == 1, "dog", "cat").astype(object)}[labels]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # tiny data; not stored then
        fresh = clone(estimator).fit(X, y)
        models.fit_once(clone(estimator), X, y, cache_dir=tmp_path)
    if list(tmp_path.glob("*.npz")):
        _assert_same_fit(models.fit_once(clone(estimator), X, y, cache_dir=tmp_path), fresh)
    else:
        pytest.fail("nothing was stored")


def test_other_data_or_settings_are_fitted_anew(tmp_path):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    other_X, other_y = _data(seed=1)
    models.fit_once(_network(), other_X, other_y, cache_dir=tmp_path)
    models.fit_once(_network().set_params(alpha=1e-3), X, y, cache_dir=tmp_path)
    models.fit_once(_network(), X, 1 - y, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 4


def test_another_blas_setting_is_fitted_anew(tmp_path, monkeypatch):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Sandybridge")
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_the_folder_comes_from_the_environment_variable(tmp_path, monkeypatch):
    X, y = _data()
    monkeypatch.setenv(models.FIT_CACHE_VARIABLE, str(tmp_path / "fits"))
    models.fit_once(LogisticRegression(), X, y)
    assert len(list((tmp_path / "fits").glob("*.npz"))) == 1


def test_files_and_the_folder_are_owner_only(tmp_path):
    X, y = _data()
    folder = tmp_path / "fits"
    old_umask = os.umask(0o000)  # even a permissive umask gives no one else access
    try:
        models.fit_once(_network(), X, y, cache_dir=folder)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(_stored(folder).stat().st_mode) == 0o600


# --- Faults: whatever is in the folder, nothing runs and nothing wrong is returned -------------


class _Planted:
    """A pickle that, if anything unpickled it, would create ``marker`` (and run any code)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (self.marker,)


def test_a_planted_pickle_is_never_executed(tmp_path):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    path = _stored(tmp_path)
    marker = tmp_path / "code ran"
    payload = pickle.dumps(_Planted(marker))
    pickle.loads(payload)  # the payload works: unpickling it creates the marker
    assert marker.exists()
    marker.unlink()
    path.with_suffix(".pkl").write_bytes(payload)  # the pickle-based versions' name
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an old *.pkl is not even looked at
        models.fit_once(_network(), X, y, cache_dir=tmp_path)
    path.write_bytes(payload)  # and in the place of the stored fit
    with pytest.warns(UserWarning, match=r"cannot be read \(ValueError: This file contains "
                                         r"pickled \(object\) data"):
        again = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    inside = io.BytesIO()  # and as an object array inside an .npz
    np.savez(inside, record=np.array([_Planted(marker)], dtype=object))
    path.write_bytes(inside.getvalue())
    with pytest.warns(UserWarning, match="cannot be read.*when allow_pickle=False"):
        models.fit_once(_network(), X, y, cache_dir=tmp_path)
    assert not marker.exists()
    _assert_same_fit(again, _network().fit(X, y))


def test_a_damaged_file_is_fitted_again_with_a_warning(tmp_path):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    stored = _stored(tmp_path)
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
    stored = _stored(tmp_path)
    logistic = tmp_path / "other"
    models.fit_once(LogisticRegression(), X, y, cache_dir=logistic)
    os.replace(_stored(logistic), stored)
    with pytest.warns(UserWarning, match="another estimator"):
        again = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    assert isinstance(again, MLPClassifier)


def _fit_on_shuffled_labels(folder, X, y):
    shuffled = np.random.default_rng(0).permutation(y)
    models.fit_once(_network(), X, shuffled, cache_dir=folder)
    return _stored(folder)


def test_a_fit_on_shuffled_labels_put_in_place_is_fitted_again(tmp_path):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    os.replace(_fit_on_shuffled_labels(tmp_path / "shuffled", X, y), _stored(tmp_path))
    with pytest.warns(UserWarning, match="fitted on other data or settings"):
        again = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    assert np.mean(again.predict(X) == y) == np.mean(_network().fit(X, y).predict(X) == y)


def test_a_fit_on_shuffled_labels_relabelled_with_this_key_fails_its_fingerprint(tmp_path):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    path = _stored(tmp_path)
    with np.load(path, allow_pickle=False) as stored:
        key = json.loads(stored["record"].tobytes().decode())["key"]
    planted = _fit_on_shuffled_labels(tmp_path / "shuffled", X, y)
    _rewrite(planted, lambda arrays, record: record.update(key=key))
    os.replace(planted, path)
    with pytest.warns(UserWarning, match="does not match its fingerprint"):
        again = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    _assert_same_fit(again, _network().fit(X, y))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda arrays, record: arrays.update({"coefs_.0": arrays["coefs_.0"][:3]}),
         r"has coefs_ of shapes \[\(3, 4\), \(4, 1\)\], not \[\(5, 4\), \(4, 1\)\]"),
        (lambda arrays, record: arrays["coefs_.1"].__setitem__((0, 0), np.nan),
         "has NaN, infinite or non-numeric coefs_"),
        (lambda arrays, record: arrays["intercepts_.0"].__setitem__(0, 1.0),
         "does not match its fingerprint"),
        (lambda arrays, record: arrays.update({"classes_": np.array([0, 2])}),
         "was fitted on other classes"),
        (lambda arrays, record: record["attributes"].pop("coefs_"), r"lacks \['coefs_'\]"),
        (lambda arrays, record: record["attributes"].update({"__class__": {"kind": "scalar"}}),
         "names a fitted attribute '__class__'"),
        (lambda arrays, record: record["attributes"].update({"predict_": {"kind": "scalar",
                                                                           "value": 1}}),
         "does not match its fingerprint"),
        (lambda arrays, record: record.update(format=0), "not a fit record of this version"),
    ],
    ids=["wrong shape", "NaN weight", "changed weight", "other classes", "missing weights",
         "dunder attribute", "extra attribute", "other format"],
)
def test_a_changed_fit_is_never_used(tmp_path, change, message):
    X, y = _data()
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    path = _stored(tmp_path)
    path.chmod(0o600)
    _rewrite(path, change)
    with pytest.warns(UserWarning, match=message):
        again = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    _assert_same_fit(again, _network().fit(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replaced by a good one
        models.fit_once(_network(), X, y, cache_dir=tmp_path)


def test_a_fit_that_does_not_round_trip_is_not_stored(tmp_path, monkeypatch):
    # What a future scikit-learn that rebuilt networks differently would meet: a warning, and
    # no file, rather than a stored fit that predicts otherwise.
    X, y = _data()
    monkeypatch.setattr(fitcache, "clone", lambda model: clone(model).set_params(activation="tanh"))
    with pytest.warns(UserWarning, match="cannot be rebuilt to predict exactly as fitted, so it is "
                                         "not stored"):
        fitted = models.fit_once(_network(), X, y, cache_dir=tmp_path)
    assert fitted.activation == "relu" and not list(tmp_path.glob("*.npz"))


# --- Temporary files of writers that died ------------------------------------------------------


def _part(folder, pid, age=0.0):
    host = socket.gethostname().replace(".", "_")
    part = folder / f"MLPClassifier-{'0' * 32}.npz.{host}.{pid}.0123abcd.part"
    part.write_bytes(b"half a fit")
    os.utime(part, (time.time() - age, time.time() - age))
    return part


def test_parts_of_dead_or_old_writers_are_removed_and_a_live_ones_kept(tmp_path):
    X, y = _data()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead = _part(tmp_path, int(finished.stdout))
    live = _part(tmp_path, os.getpid())
    old = _part(tmp_path, os.getpid() + 1, age=2 * fitcache.STALE_PART_AGE)
    pickle_era = tmp_path / "MLPClassifier-0.pkl.123-ab.part"
    pickle_era.write_bytes(b"")
    os.utime(pickle_era, (0, 0))
    models.fit_once(_network(), X, y, cache_dir=tmp_path)
    assert live.exists()
    assert not dead.exists() and not old.exists() and not pickle_era.exists()


# --- Bad input ---------------------------------------------------------------------------------


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
    assert not list(tmp_path.glob("*.npz"))


@pytest.mark.parametrize("estimator", ["MLPClassifier", SVC()], ids=["a string", "SVC"])
def test_what_it_cannot_store_is_refused(tmp_path, estimator):
    X, y = _data()
    with pytest.raises(TypeError, match=r"fit_once stores fits of an unfitted MLPClassifier or "
                                        r"LogisticRegression.*estimator.fit\(X, y\)"):
        models.fit_once(estimator, X, y, cache_dir=tmp_path)


def test_labels_one_row_short_are_refused(tmp_path):
    X, y = _data()
    with pytest.raises(ValueError, match=r"y must have shape \(60,\), one label per row of X"):
        models.fit_once(_network(), X, y[:-1], cache_dir=tmp_path)


def test_nan_in_x_is_refused(tmp_path):
    X, y = _data()
    X[4, 1] = np.nan
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite value"):
        models.fit_once(_network(), X, y, cache_dir=tmp_path)
