"""A fool search that fails says so: helpers.fools (restarts and statuses) and the outcome every
search of helpers.attacks reports (reached, plateau, budget).

The planted plateau: a classifier whose probability of class 0 is exactly 0 everywhere but near
one image (a real "digit" of class 0). A search from a blank or a random image sees no gradient
and no change in any child: it stalls, and only the restart from a real image of that class
reaches the goal. Without that restart the table must say "search failed", never 0.000 as if the
model resisted.
"""

import warnings

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers import adaptive, attacks, fools, network, remedies

N_FEATURES = 16
#: The one place where the planted model gives class 0 any probability: the first half inked.
CENTRE = np.r_[np.ones(N_FEATURES // 2), np.zeros(N_FEATURES // 2)]
SMALL = fools.FoolSearch(gradient_iterations=20, population=4, generations=15)


class PlateauClassifier(ClassifierMixin, BaseEstimator):
    """Three classes; ``P(0) = expit(1000 (0.5 - |x - centre|))``: exactly 0 far from the centre.

    ``towards_blank=True`` plants the plateau around the blank image instead: ``P(0) = 0`` within
    a distance 1.5 of it, 0.999 beyond (where a random image lies).
    """

    def __init__(self, centre=None, towards_blank=False):
        self.centre = centre
        self.towards_blank = towards_blank

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        if self.towards_blank:  # 0 near the blank image, 0.999 once |x| > 1.5 (a random image)
            p0 = np.where(np.linalg.norm(X, axis=1) > 1.5, 0.999, 0.0)
        else:
            p0 = expit(1000.0 * (0.5 - np.linalg.norm(X - self.centre, axis=1)))
        rest = (1.0 - p0) / 2.0
        return np.column_stack([p0, rest, rest])

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


@pytest.fixture(scope="module")
def real():
    """Real images: class 0 near the centre, classes 1 and 2 elsewhere (30 each)."""
    rng = np.random.default_rng(0)
    X = np.vstack([np.clip(CENTRE + rng.normal(scale=0.03, size=(30, N_FEATURES)), 0, 1),
                   rng.uniform(0, 0.3, size=(60, N_FEATURES))])
    y = np.repeat([0, 1, 2], 30)
    return X, y


@pytest.fixture(scope="module")
def plateau(real):
    return PlateauClassifier(centre=CENTRE).fit(*real)


def test_the_planted_plateau_is_flat_at_the_blank_and_at_random_images(plateau):
    starts = np.vstack([np.zeros(N_FEATURES),
                        np.random.default_rng(1).uniform(size=(100, N_FEATURES))])
    assert np.all(plateau.predict_proba(starts)[:, 0] == 0.0)


def test_the_evolution_reports_its_plateau(plateau):
    fool = attacks.evolve_fool_image(plateau, 0, population=4, generations=50)
    assert (fool.reached, fool.outcome, fool.probability) == (False, "plateau", 0.0)
    assert fool.n_iter < 50  # it stopped on the plateau, not at the end of its budget


def test_the_evolution_reports_a_spent_budget_and_a_reached_goal(plateau, real):
    X, _ = real
    short = attacks.evolve_fool_image(plateau, 1, confidence=0.9, population=4, generations=3,
                                      tol=0.0)
    assert (short.reached, short.outcome, short.n_iter) == (False, "budget", 3)
    near = attacks.evolve_fool_image(plateau, 0, population=4, generations=5, start=X[0])
    assert (near.reached, near.outcome, near.n_iter) == (True, "reached", 0)
    np.testing.assert_array_equal(near.start, X[0])


def test_the_evolution_starts_where_it_is_told(plateau):
    noise = attacks.evolve_fool_image(plateau, 1, population=4, generations=2, start="noise",
                                      seed=3)
    np.testing.assert_array_equal(
        noise.start, attacks.starting_image("noise", N_FEATURES, (0.0, 1.0), 3, "test"))
    with pytest.raises(ValueError, match="start must be 'blank', 'noise' or an image"):
        attacks.evolve_fool_image(plateau, 1, start="grey")
    with pytest.raises(ValueError, match="clip=\\(0, 1\\)"):
        attacks.evolve_fool_image(plateau, 1, start=np.full(N_FEATURES, 2.0))


def test_best_fools_restarts_a_stalled_search_from_a_real_image(plateau, real):
    found = fools.best_fools(plateau, SMALL, X_real=real[0], y_real=real[1])
    assert found.loc[0, "status"] == "reached"
    assert found.loc[0, "search"] == "evolution from a real image"
    assert found.loc[0, "confidence"] >= SMALL.confidence


def test_a_stalled_search_without_a_restart_that_helps_says_search_failed(plateau):
    for search in (SMALL, fools.FoolSearch(population=4, generations=15, restarts=False)):
        found = fools.best_fools(plateau, search)
        assert found.loc[0, "status"] == "search failed"
        assert found.loc[0, "confidence"] == 0.0
        assert fools.worst_class_cell(found) == "search failed (best 0.000)"
        cells = fools.fool_cells({"plateau": found})
        assert cells.loc["plateau", 0] == "search failed (best 0.000)"


def test_the_restarts_run_from_the_best_image_a_random_image_and_a_real_image(
        plateau, real, monkeypatch):
    X, y = real
    starts = []
    evolve = attacks.evolve_fool_image

    def recording(model, target, **options):
        starts.append(options["start"])
        return evolve(model, target, **options)

    monkeypatch.setattr(fools.attacks, "evolve_fool_image", recording)
    fools.best_fools(plateau, SMALL, seed=4, X_real=X, y_real=y)
    first_class = starts[:4]  # blank, then the three restarts of class 0, which reaches
    assert isinstance(first_class[0], str) and first_class[0] == "blank"
    np.testing.assert_array_equal(first_class[2],
                                  np.random.default_rng(5).uniform(0.0, 1.0, N_FEATURES))
    surest = X[y == 0][np.argmax(plateau.predict_proba(X[y == 0])[:, 0])]
    np.testing.assert_array_equal(first_class[3], surest)
    assert np.all(first_class[1] == 0.0)  # the best image of a flat search: still blank


def test_a_random_image_restart_leaves_a_plateau_around_the_blank_image(real):
    model = PlateauClassifier(towards_blank=True).fit(*real)
    found = fools.best_fools(model, SMALL)
    assert found.loc[0, "search"] == "evolution from a random image"
    assert found.loc[0, "status"] == "reached"


def test_best_fools_checks_the_real_images(plateau, real):
    X, y = real
    with pytest.raises(ValueError, match=r"y_real must have shape \(90,\), one label per row"):
        fools.best_fools(plateau, SMALL, X_real=X, y_real=y[:-1])
    with pytest.raises(ValueError, match="X_real"):
        fools.best_fools(plateau, SMALL, X_real=X[:, :3], y_real=y)


# --- What settles a class that reaches no goal ---------------------------------------------


@pytest.fixture(scope="module")
def logistic(blobs):
    return LogisticRegression().fit(*blobs)


def test_a_concave_log_probability_is_settled_at_its_maximum(logistic):
    found = fools.best_fools(logistic, SMALL)
    middle = found.loc[2]  # the middle blob: its probability has a maximum below 0.99
    assert middle["status"] == "maximum" and middle["confidence"] < 0.99
    rng = np.random.default_rng(0)
    corners = np.array(np.meshgrid(*[[0.0, 1.0]] * 6)).reshape(6, -1).T
    samples = np.vstack([corners, rng.uniform(size=(20000, 6))])
    assert logistic.predict_proba(samples)[:, 2].max() <= middle["confidence"] + 1e-6
    cell = fools._fool_cell(middle["confidence"], "maximum")
    assert cell == f"{middle['confidence']:.3f} (maximum)"


@pytest.fixture(scope="module")
def digit_tanh():
    """A tanh network with a 2-unit last layer on scikit-learn's 8 x 8 digits 0-3: its units
    saturate inside the pixel box, so its exact ceilings (all below 0.99) are reached."""
    X, y = load_digits(n_class=4, return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a short training is enough for a bounded network
        return MLPClassifier((20, 2), activation="tanh", max_iter=300, random_state=0).fit(
            X / 16.0, y)


def test_a_gradient_search_cut_short_by_its_budget_ends_on_its_plateau_after_a_restart(logistic):
    short = fools.FoolSearch(gradient_iterations=1, population=4, generations=2)
    assert adaptive.adaptive_fool_image(logistic, 2, max_iter=1).outcome == "budget"
    found = fools.best_fools(logistic, short)
    assert found.loc[2, "status"] == "maximum"
    assert found.loc[2, "search"] == "gradient from the best image"
    without = fools.best_fools(logistic, fools.FoolSearch(gradient_iterations=1, population=4,
                                                          generations=2, restarts=False))
    assert without.loc[2, "status"] == "search failed"


def test_a_tanh_network_is_settled_at_its_exact_ceiling(digit_tanh):
    ceiling = network.confidence_ceiling(digit_tanh).ceiling
    assert np.all(ceiling < SMALL.confidence)
    found = fools.best_fools(digit_tanh, SMALL)
    assert list(found["status"]) == ["ceiling"] * 4
    assert np.all(found["confidence"] >= (1 - fools.CEILING_RTOL) * ceiling)
    assert np.all(found["confidence"] <= ceiling + 1e-9)


def test_a_ceiling_the_pixel_box_cannot_reach_settles_nothing(blobs):
    # On 6 features in [0, 1] this network's 2-unit layer cannot reach every corner of its
    # box [-1, 1]^2, so its exact ceiling is an upper bound the fools stay below: not settled.
    tanh = MLPClassifier((8, 2), activation="tanh", alpha=1.0, max_iter=2000,
                         random_state=0).fit(*blobs)
    ceiling = network.confidence_ceiling(tanh).ceiling
    found = fools.best_fools(tanh, SMALL)
    short = found["confidence"] < (1 - fools.CEILING_RTOL) * ceiling
    assert short.any()
    assert set(found["status"][short]) == {"search failed"}


def test_the_structure_aware_search_settles_an_rbf_svm_on_a_bottleneck(blobs):
    model = remedies.HiddenLayerRBFClassifier(
        MLPClassifier((8, 2), activation="identity", learning_rate_init=0.01, tol=1e-2,
                      max_iter=2000, random_state=0), layer=2).fit(*blobs)
    unreachable = fools.FoolSearch(population=4, generations=3, confidence=1 - 1e-12)
    found = fools.best_fools(model, unreachable)
    assert set(found["status"]) == {"grid optimum"}
    assert set(found["search"]) <= {"through the bottleneck", "evolution"}


def test_exact_ceiling_is_only_given_where_the_series_has_one(logistic, blobs):
    assert fools._exact_ceiling(logistic, 0) == np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # only its type and activation matter
        relu = MLPClassifier((4,), max_iter=20, random_state=0).fit(*blobs)
    assert fools._exact_ceiling(relu, 0) == np.inf
    assert not fools._has_concave_log_probability(relu)


@pytest.mark.parametrize(
    "status, cell",
    [("reached", "0.995"), ("maximum", "0.995 (maximum)"), ("ceiling", "0.995 (ceiling)"),
     ("grid optimum", "0.995 (grid optimum)"), ("search failed", "search failed (best 0.995)")],
)
def test_fool_cell_never_prints_a_failed_search_as_a_bare_number(status, cell):
    assert fools._fool_cell(0.99512, status) == cell


def test_a_failed_search_just_below_the_goal_is_not_printed_as_the_goal():
    assert fools._fool_cell(0.98996, "search failed") == "search failed (best 0.989)"


def test_fool_cell_names_the_statuses_it_knows():
    with pytest.raises(ValueError, match=r"status must be one of \['reached', 'maximum'"):
        fools._fool_cell(0.5, "resisted")


def test_worst_class_cell_reads_the_lowest_class(logistic):
    found = fools.best_fools(logistic, SMALL)
    assert fools.worst_class_cell(found) == fools._fool_cell(found.loc[2, "confidence"], "maximum")


# --- Every gradient search says how it ended -----------------------------------------------


def test_the_gradient_searches_report_how_they_ended(logistic):
    reached = attacks.fool_image(logistic, 0, confidence=0.99)
    assert (reached.reached, reached.outcome) == (True, "reached")
    capped = attacks.fool_image(logistic, 2, confidence=0.99)  # below its maximum's 0.99
    assert (capped.reached, capped.outcome) == (False, "plateau")
    short = attacks.fool_image(logistic, 2, confidence=0.99, max_iter=1, start="noise")
    assert (short.reached, short.outcome) == (False, "budget")
    through = adaptive.adaptive_fool_image(logistic, 2, confidence=0.99)
    assert (through.reached, through.outcome) == (False, "plateau")


def test_a_zero_gradient_ends_the_gradient_search_on_its_plateau(blobs):
    # every unit of the ReLU network off for every image of the box: the gradient is zero
    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the weights are overwritten below
        relu = MLPClassifier((3,), max_iter=20, random_state=0).fit(X, y)
    relu.coefs_[0] = -np.abs(relu.coefs_[0])
    relu.intercepts_[0] = -np.ones_like(relu.intercepts_[0])
    target = relu.classes_[np.argmin(relu.predict_proba(X[:1])[0])]
    fool = attacks.fool_image(relu, target, confidence=0.99)
    assert (fool.reached, fool.outcome, fool.n_iter) == (False, "plateau", 0)
    constant = softmax(relu.intercepts_[1])[list(relu.classes_).index(target)]
    assert fool.probability == pytest.approx(constant)


def test_fool_search_refuses_a_restart_budget_that_cannot_search():
    with pytest.raises(ValueError, match="restart_iterations must be a whole number >= 1"):
        fools.FoolSearch(restart_iterations=0)
    with pytest.raises(TypeError, match="FoolSearch.restarts must be True or False; got 'yes'"):
        fools.FoolSearch(restarts="yes")


def test_best_fools_refuses_a_search_that_is_not_a_fool_search(logistic):
    with pytest.raises(TypeError, match=r"search must be a FoolSearch, e.g. fools.FoolSearch"):
        fools.best_fools(logistic, {"generations": 10})
