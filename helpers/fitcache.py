"""Fits made once for the whole series and stored without pickle: :func:`fit_once`; and fits
saved to be committed (:func:`save_fit`, :func:`load_fit`), for fits too long for a notebook.

A stored fit is one ``.npz`` file: the fitted arrays, read back with ``allow_pickle=False``, and a
JSON record of what rebuilding the estimator needs (its class and parameters, the scalar fitted
attributes) with a fingerprint of the fit. Nothing in it is code, so a file planted in the folder
cannot run anything; and nothing read is used before it passes every check (class, parameters,
shapes, finite weights, fingerprint). ``helpers.models`` re-exports :func:`fit_once`.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import secrets
import socket
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers._validation import check_fitted, check_training_data
from helpers.data import DEFAULT_CACHE_DIR

#: Environment variable naming the folder :func:`fit_once` keeps its fits in.
FIT_CACHE_VARIABLE: str = "PITY_FIT_CACHE"
#: The folder used when the variable is unset (git-ignored, beside the MNIST cache).
DEFAULT_FIT_CACHE_DIR: Path = DEFAULT_CACHE_DIR / "fits"
#: Settings of the environment that change the last bits of a fit (numpy's and OpenBLAS's
#: kernels): a fit made under other values is not reused.
NUMERIC_SETTINGS: tuple[str, ...] = (
    "OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
)
#: The estimators whose fits :func:`fit_once` stores (those the series fits through it), and
#: the fitted attributes without which one is not a fit at all.
STORABLE: dict[type, tuple[str, ...]] = {
    MLPClassifier: ("classes_", "coefs_", "intercepts_", "n_features_in_", "n_layers_",
                    "n_outputs_", "out_activation_"),
    LogisticRegression: ("classes_", "coef_", "intercept_", "n_features_in_"),
}
#: A temporary ``.part`` file older than this (seconds) was left by a writer that died.
STALE_PART_AGE: float = 600.0
#: Version of the stored record; a file of another version is fitted again.
RECORD_FORMAT: int = 1
_RECORD = "record"
_PUBLIC_FITTED = re.compile(r"[a-z]([a-z0-9_]*[a-z0-9])?_")


class _Unusable(Exception):
    """A stored fit that must not be used; the message says why."""


def _fit_key(estimator: BaseEstimator, X: np.ndarray, y: np.ndarray) -> str:
    """A hash of everything a deterministic fit depends on."""
    digest = hashlib.sha256()
    for part in (
        type(estimator).__module__, type(estimator).__qualname__, _params(estimator),
        sklearn.__version__, np.__version__, scipy.__version__, platform.machine(),
        *(f"{name}={os.environ.get(name, '')}" for name in NUMERIC_SETTINGS),
    ):
        digest.update(part.encode() + b"\0")
    for array in (X, y):
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:32]


def _params(estimator: BaseEstimator) -> str:
    return repr(sorted(estimator.get_params(deep=True).items()))


def _class_name(estimator: BaseEstimator) -> str:
    return f"{type(estimator).__module__}.{type(estimator).__qualname__}"


def _split_attributes(estimator: BaseEstimator) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The public fitted attributes as arrays for the ``.npz`` and a JSON-able description."""
    arrays, described = {}, {}
    for name, value in sorted(vars(estimator).items()):
        if not _PUBLIC_FITTED.fullmatch(name):
            continue
        if isinstance(value, np.ndarray):
            as_object = value.dtype == object
            arrays[name] = value.astype(str) if as_object else value
            described[name] = {"kind": "array", "object": as_object}
        elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
            arrays.update({f"{name}.{i}": v for i, v in enumerate(value)})
            described[name] = {"kind": "arrays", "length": len(value)}
        elif isinstance(value, list) and all(isinstance(v, float) for v in value):
            arrays[name] = np.asarray(value, dtype=float)
            described[name] = {"kind": "floats"}
        elif isinstance(value, np.generic):
            described[name] = {"kind": "scalar", "value": value.item(), "dtype": value.dtype.str}
        elif value is None or isinstance(value, (bool, int, float, str)):
            described[name] = {"kind": "scalar", "value": value}
        else:
            raise _Unusable(f"holds {name} of type {type(value).__name__}, which is not stored")
    return arrays, described


def _join_attributes(arrays: dict[str, np.ndarray], described: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`_split_attributes`."""
    values = {}
    for name, what in described.items():
        if not (isinstance(name, str) and _PUBLIC_FITTED.fullmatch(name)):
            raise _Unusable(f"names a fitted attribute {name!r} no estimator has")
        kind = what.get("kind")
        if kind == "array":
            values[name] = arrays[name].astype(object) if what["object"] else arrays[name]
        elif kind == "arrays":
            values[name] = [arrays[f"{name}.{i}"] for i in range(int(what["length"]))]
        elif kind == "floats":
            values[name] = arrays[name].tolist()
        elif kind == "scalar" and "dtype" in what:
            values[name] = np.dtype(what["dtype"]).type(what["value"])
        elif kind == "scalar":
            values[name] = what["value"]
        else:
            raise _Unusable(f"describes {name} as {kind!r}, which is not a stored kind")
    return values


def _rebuild(template: BaseEstimator, X: np.ndarray, values: dict[str, Any]) -> BaseEstimator:
    """A clone of ``template`` (unfitted) given the fitted attributes ``values``.

    ``LogisticRegression`` predicts from its public attributes alone. ``MLPClassifier`` decodes
    its outputs with a label binarizer that only ``fit`` and ``partial_fit`` set (a private
    attribute); ``partial_fit(..., classes=classes_)`` sets it through the public API. It needs a
    stochastic solver and no early stopping, so those two parameters are switched for that one
    call and back; the step it takes is then overwritten by the stored attributes, and what it
    set that the stored fit lacks is removed. The fingerprint check afterwards proves the
    rebuilt network predicts exactly as the stored one (and catches any future change of this).
    """
    model = clone(template)
    if isinstance(model, MLPClassifier):
        kept = {"solver": model.solver, "early_stopping": model.early_stopping}
        classes = values["classes_"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # one step on one row: its warnings do not matter
            model.set_params(solver="sgd", early_stopping=False)
            model.partial_fit(X[:1], classes[:1], classes=classes)
        model.set_params(**kept)
        for name in [n for n in vars(model) if _PUBLIC_FITTED.fullmatch(n) and n not in values]:
            delattr(model, name)
    for name, value in values.items():
        if hasattr(type(model), name):
            raise _Unusable(f"would replace {type(model).__name__}.{name}")
        setattr(model, name, value)
    return model


def _expected_shapes(template: BaseEstimator, n_features: int, n_classes: int) -> dict[str, Any]:
    """The shapes of the weights a fit of ``template`` on this data has."""
    n_outputs = 1 if n_classes == 2 else n_classes
    if isinstance(template, MLPClassifier):
        hidden = template.hidden_layer_sizes
        units = [n_features, *([hidden] if np.ndim(hidden) == 0 else hidden), n_outputs]
        return {"coefs_": [(a, b) for a, b in zip(units, units[1:])],
                "intercepts_": [(b,) for b in units[1:]]}
    return {"coef_": [(n_outputs, n_features)], "intercept_": [(n_outputs,)]}


def _check_values(template: BaseEstimator, values: dict[str, Any], X: np.ndarray,
                  y: np.ndarray) -> None:
    """Refuse a fit without its attributes, of another shape, classes or width, or not finite."""
    missing = [name for name in STORABLE[type(template)] if name not in values]
    if missing:
        raise _Unusable(f"lacks {missing}")
    if not np.array_equal(np.asarray(values["classes_"]), np.unique(y)):
        raise _Unusable("was fitted on other classes")
    if values["n_features_in_"] != X.shape[1]:
        raise _Unusable("was fitted on another number of features")
    for name, shapes in _expected_shapes(template, X.shape[1], len(np.unique(y))).items():
        weights = values[name] if isinstance(values[name], list) else [values[name]]
        if [np.shape(w) for w in weights] != shapes:
            raise _Unusable(f"has {name} of shapes {[np.shape(w) for w in weights]}, not {shapes}")
        if not all(np.asarray(w).dtype.kind == "f" and np.all(np.isfinite(w)) for w in weights):
            raise _Unusable(f"has NaN, infinite or non-numeric {name}")


def _fingerprint(key: str, described: dict[str, Any], arrays: dict[str, np.ndarray],
                 model: BaseEstimator | None = None, X: np.ndarray | None = None) -> str:
    """A hash of the fit: its key, every stored attribute and (given a model) its
    probabilities on ``X``."""
    digest = hashlib.sha256(key.encode())
    digest.update(json.dumps(described, sort_keys=True).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    if model is not None:
        digest.update(np.ascontiguousarray(model.predict_proba(X)).tobytes())
    return digest.hexdigest()


def _read(path: Path, template: BaseEstimator) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and the record of the file at ``path``, if it holds a fit of ``template``'s
    class and parameters; :class:`_Unusable` says why not."""
    try:
        with open(path, "rb") as stream, np.load(stream, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        record = json.loads(arrays.pop(_RECORD).tobytes().decode())
    except Exception as exc:  # a damaged, truncated or unreadable file
        raise _Unusable(f"cannot be read ({type(exc).__name__}: {exc})") from None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise _Unusable("is not a fit record of this version")
    if record.get("class") != _class_name(template) or record.get("params") != _params(template):
        raise _Unusable("holds another estimator")
    return arrays, record


def _load(path: Path, template: BaseEstimator, key: str, X: np.ndarray,
          y: np.ndarray) -> BaseEstimator:
    """The stored fit at ``path``, rebuilt and checked; :class:`_Unusable` says why not."""
    arrays, record = _read(path, template)
    if record.get("key") != key:
        raise _Unusable("was fitted on other data or settings")
    try:
        values = _join_attributes(arrays, record["attributes"])
        _check_values(template, values, X, y)
        model = _rebuild(template, X, values)
        fingerprint = _fingerprint(key, record["attributes"], arrays, model, X)
    except _Unusable:
        raise
    except Exception as exc:  # attributes that do not fit together
        raise _Unusable(f"cannot be rebuilt ({type(exc).__name__}: {exc})") from None
    if fingerprint != record.get("fingerprint"):
        raise _Unusable("does not match its fingerprint (its weights or data were changed)")
    return model


def _record(estimator: BaseEstimator, key: str, X: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays of the file to store: the fitted arrays and the record, checked to round-trip."""
    arrays, described = _split_attributes(estimator)
    fingerprint = _fingerprint(key, described, arrays, estimator, X)
    rebuilt = _rebuild(estimator, X, _join_attributes(arrays, described))
    if _fingerprint(key, described, arrays, rebuilt, X) != fingerprint:
        raise _Unusable("cannot be rebuilt to predict exactly as fitted")
    record = {"format": RECORD_FORMAT, "class": _class_name(estimator),
              "params": _params(estimator), "key": key, "attributes": described,
              "fingerprint": fingerprint}
    return {**arrays, _RECORD: np.frombuffer(json.dumps(record).encode(), dtype=np.uint8)}


def _part_name(path: Path) -> Path:
    host = socket.gethostname().replace(".", "_")
    return path.with_name(f"{path.name}.{host}.{os.getpid()}.{secrets.token_hex(4)}.part")


def _writer_is_gone(part: Path) -> bool:
    """Whether the process that writes ``part`` has died (this machine only), or it is old."""
    if time.time() - part.stat().st_mtime > STALE_PART_AGE:
        return True
    fields = part.name.split(".")
    host = socket.gethostname().replace(".", "_")
    if os.name != "posix" or len(fields) < 4 or fields[-4] != host or not fields[-3].isdigit():
        return False
    try:
        os.kill(int(fields[-3]), 0)  # signal 0: is it alive? (sends nothing)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False


def _remove_stale_parts(folder: Path) -> None:
    """Delete ``.part`` files that writers killed mid-way left; a younger one of a live writer
    stays. A folder we may not write to is left as it is."""
    for part in folder.glob("*.part"):
        try:
            if _writer_is_gone(part):
                part.unlink()
        except OSError:
            pass


def _store(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` owner-only (0o600, the folder 0o700 when created here),
    atomically: a temporary file in the same folder, then a rename."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = _part_name(path)
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def fit_once(
    estimator: BaseEstimator, X: Any, y: Any, cache_dir: str | Path | None = None
) -> BaseEstimator:
    """``estimator.fit(X, y)``, done once for the whole series: later calls load that fit.

    Notebooks 03 to 09 train the same seeded networks on the same digits, and training is
    deterministic: the first notebook that needs a network fits it and stores it, the others
    load it in milliseconds instead of training it again for seconds, with the same weights to
    the last bit. The file is named by a hash of everything the fit depends on: the estimator's
    class and parameters, the bytes of ``X`` and ``y``, the versions of scikit-learn, numpy and
    scipy, the machine, and the environment variables that change numpy's and OpenBLAS's
    kernels (:data:`NUMERIC_SETTINGS`); change any of them and the model is fitted anew. A fit
    that warns (a ``ConvergenceWarning``, say) is never stored, so its warning shows on every
    run. Delete the folder to train everything again.

    No pickle: the file holds the fitted arrays (read with ``allow_pickle=False``) and a JSON
    record (class, parameters, scalar attributes, fingerprint), written owner-only (0o600; a
    folder created here is 0o700) and atomically. A stored fit is used only if its class and
    parameters are this estimator's, its weights have the shapes this data gives and are
    finite, and its fingerprint — a hash of the key, every stored attribute and the rebuilt
    model's probabilities on ``X`` — matches the one computed at writing. Anything else (a
    damaged file, another estimator's, NaN or mixed-up weights) is fitted again, with a warning,
    and replaced. The checks catch damage and mix-ups, not forgery: anyone who can write the
    folder can compute a fingerprint, so keep it yours. Files of the pickle-based versions
    (``*.pkl``) are never opened; delete them. Temporary ``.part`` files left by a writer that
    died (its process gone, or older than :data:`STALE_PART_AGE`) are removed.

    Parameters
    ----------
    estimator : unfitted MLPClassifier or LogisticRegression
        Seeded (a fixed ``random_state``), so that fitting it again gives the same model; the
        estimators of :data:`STORABLE`, those the series fits through here.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    cache_dir : str or Path, optional
        Folder of the stored fits; by default ``$PITY_FIT_CACHE`` if set, else ``data/fits`` in
        the repository.

    Returns
    -------
    estimator
        Fitted: ``estimator`` itself when it was fitted here, else the stored fit (an equal
        copy, with the same parameters, that predicts exactly as the stored one; training it
        further with ``warm_start`` or ``partial_fit`` starts from its weights, not from its
        optimiser's state).

    Warns
    -----
    UserWarning
        If a stored fit cannot be used (it is fitted again and replaced), cannot be stored
        faithfully, or the folder cannot be written (the fit is returned, not stored).

    Raises
    ------
    TypeError
        If ``estimator`` is not one of :data:`STORABLE`.
    ValueError
        If ``X`` is not finite and 2-D, or ``y`` not one class label per row of it.
    """
    if type(estimator) not in STORABLE:
        kinds = " or ".join(kind.__name__ for kind in STORABLE)
        raise TypeError(
            f"fit_once stores fits of an unfitted {kinds} (what the series trains once, e.g. "
            f"models.mnist_tanh_network()); got {type(estimator).__name__}. Fit anything else "
            "directly: estimator.fit(X, y)."
        )
    X = np.asarray(X)
    y = check_training_data(X, y)[1]
    folder = Path(cache_dir if cache_dir is not None else
                  os.environ.get(FIT_CACHE_VARIABLE) or DEFAULT_FIT_CACHE_DIR).expanduser()
    key = _fit_key(estimator, X, y)
    path = folder / f"{type(estimator).__name__}-{key}.npz"
    if folder.is_dir():
        _remove_stale_parts(folder)
    if path.exists():
        try:
            return _load(path, estimator, key, X, y)
        except _Unusable as problem:
            warnings.warn(f"The stored fit {path} {problem}; fitting again and replacing it.",
                          UserWarning, stacklevel=2)
    with warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        estimator.fit(X, y)
    for warning in raised:  # shown as usual, and the fit is not stored
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    if raised:
        return estimator
    try:
        _store(path, _record(estimator, key, X))
    except _Unusable as problem:
        warnings.warn(f"This fit {problem}, so it is not stored; it is fitted again next time.",
                      UserWarning, stacklevel=2)
    except OSError as exc:
        warnings.warn(f"Could not store the fit in {folder} ({exc.strerror or exc}); it is "
                      f"fitted again next time. Set {FIT_CACHE_VARIABLE} to a writable folder.",
                      UserWarning, stacklevel=2)
    return estimator



#: The ``key`` of a fit stored by :func:`save_fit`, whose fingerprint holds its arrays and record
#: only: not the machine, nor predictions (their last bits depend on the processor).
SAVED_KEY: str = "saved"


def save_fit(estimator: BaseEstimator, path: str | Path) -> Path:
    """Store a fitted estimator of :data:`STORABLE` at ``path`` for :func:`load_fit` to read on
    any machine: a fit made once by a benchmark and committed, for a notebook to load.

    :func:`fit_once`'s format (the arrays in an ``.npz``, a JSON record; no pickle), with a
    fingerprint of the arrays and the record only.

    Parameters
    ----------
    estimator : fitted MLPClassifier or LogisticRegression
    path : str or Path
        The file to write (``.npz``; its folder is created).

    Returns
    -------
    Path

    Raises
    ------
    TypeError, sklearn.exceptions.NotFittedError
        If ``estimator`` is not a fitted one of :data:`STORABLE`.
    ValueError
        If it would not be rebuilt to predict exactly as it does.
    """
    if type(estimator) not in STORABLE:
        raise TypeError(f"save_fit stores an MLPClassifier or a LogisticRegression; got "
                        f"{type(estimator).__name__}.")
    check_fitted(estimator, "estimator")
    probe = np.random.default_rng(0).uniform(size=(8, estimator.n_features_in_))
    try:
        arrays, described = _split_attributes(estimator)
        rebuilt = _rebuild(estimator, probe, _join_attributes(arrays, described))
    except _Unusable as problem:
        raise ValueError(f"This fit {problem}, so it cannot be saved.") from None
    if not np.array_equal(rebuilt.predict_proba(probe), estimator.predict_proba(probe)):
        raise ValueError("This fit would not be rebuilt to predict as fitted; it is not saved.")
    record = {"format": RECORD_FORMAT, "class": _class_name(estimator),
              "params": _params(estimator), "key": SAVED_KEY, "attributes": described,
              "fingerprint": _fingerprint(SAVED_KEY, described, arrays)}
    _store(Path(path), {**arrays, _RECORD: np.frombuffer(json.dumps(record).encode(), np.uint8)})
    return Path(path)


def load_fit(path: str | Path, template: BaseEstimator) -> BaseEstimator:
    """The fit :func:`save_fit` stored at ``path``, rebuilt as a fitted copy of ``template``.

    Read without pickle, and used only if its class and parameters are ``template``'s, its
    weights have the shapes those give and are finite, and its fingerprint (of its arrays and
    record) matches: a file changed since, or saved from another estimator, is refused.

    Parameters
    ----------
    path : str or Path
    template : unfitted MLPClassifier or LogisticRegression
        As configured when it was fitted, e.g. ``helpers.models.mnist_standard_network()``.

    Returns
    -------
    estimator
        Fitted.

    Raises
    ------
    TypeError
        If ``template`` is not one of :data:`STORABLE`.
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is damaged, of another estimator or parameters, or fails a check (said).
    """
    if type(template) not in STORABLE:
        raise TypeError(f"template must be an unfitted MLPClassifier or LogisticRegression, "
                        f"configured as the saved fit; got {type(template).__name__}.")
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"There is no saved fit at {path}. The benchmark that saves it writes it there; run "
            "it, or get the whole series (its repository, or the archive on its site).")
    try:
        arrays, record = _read(Path(path), template)
        if record.get("key") != SAVED_KEY or record.get("fingerprint") != _fingerprint(
                SAVED_KEY, record["attributes"], arrays):
            raise _Unusable("does not match its fingerprint (its weights were changed)")
        values = _join_attributes(arrays, record["attributes"])
        X = np.zeros((1, int(values["n_features_in_"])))
        _check_values(template, values, X, np.asarray(values["classes_"]))
        return _rebuild(template, X, values)
    except (_Unusable, KeyError, TypeError, ValueError) as problem:
        raise ValueError(f"The saved fit {path} is unusable: {problem}. Save it again with "
                         "save_fit, from the estimator the template describes.") from None
