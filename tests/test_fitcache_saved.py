"""helpers.fitcache.save_fit / load_fit: a fit saved to be committed and loaded on any machine,
never pickled, and never used unless it passes every check."""

import json

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from test_models_fit_once import _assert_same_fit, _data, _network

from helpers import fitcache, gradients


@pytest.fixture()
def saved(tmp_path):
    X, y = _data()
    model = _network().fit(X, y)
    return model, fitcache.save_fit(model, tmp_path / "net.npz"), X


@pytest.mark.parametrize("make", [_network, LogisticRegression])
def test_a_saved_fit_loads_as_the_same_fit(tmp_path, make):
    X, y = _data()
    model = make().fit(X, y)
    path = fitcache.save_fit(model, tmp_path / "sub" / "fit.npz")
    loaded = fitcache.load_fit(path, make())
    _assert_same_fit(loaded, model)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_the_loaded_network_is_a_plain_network_the_helpers_read(saved):
    model, path, X = saved
    loaded = fitcache.load_fit(path, _network())
    assert type(loaded) is MLPClassifier
    np.testing.assert_array_equal(gradients.input_gradient(loaded, X[:3], [0, 1, 0]),
                                  gradients.input_gradient(model, X[:3], [0, 1, 0]))


def test_the_file_holds_no_pickle(saved):
    _, path, _ = saved
    with np.load(path, allow_pickle=False) as stored:
        assert all(stored[name].dtype != object for name in stored.files)


def test_changed_weights_are_refused(saved):
    _, path, _ = saved
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["coefs_.0"] = arrays["coefs_.0"] + 1e-9
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="does not match its fingerprint"):
        fitcache.load_fit(path, _network())


def test_a_record_without_its_key_is_refused(saved):
    _, path, _ = saved
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    record = json.loads(arrays["record"].tobytes().decode())
    record["key"] = "cached"
    arrays["record"] = np.frombuffer(json.dumps(record).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="does not match its fingerprint"):
        fitcache.load_fit(path, _network())


def test_another_template_is_refused(saved):
    _, path, _ = saved
    with pytest.raises(ValueError, match="holds another estimator"):
        fitcache.load_fit(path, _network().set_params(alpha=1.0))


def test_a_damaged_file_is_refused(saved):
    _, path, _ = saved
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="cannot be read"):
        fitcache.load_fit(path, _network())


def test_a_missing_file_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved fit at .*get the whole series"):
        fitcache.load_fit(tmp_path / "none.npz", _network())


def test_a_template_that_cannot_be_stored_is_refused(saved):
    _, path, _ = saved
    with pytest.raises(TypeError, match="template must be an unfitted MLPClassifier"):
        fitcache.load_fit(path, SVC())


def test_an_estimator_that_cannot_be_stored_is_refused(tmp_path):
    X, y = _data()
    with pytest.raises(TypeError, match="save_fit stores an MLPClassifier"):
        fitcache.save_fit(SVC().fit(X, y), tmp_path / "svc.npz")


def test_an_unfitted_estimator_is_refused(tmp_path):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        fitcache.save_fit(_network(), tmp_path / "net.npz")
