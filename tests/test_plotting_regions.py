import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.contour import ContourSet

from helpers import attacks, grids
from helpers.plotting import regions
from helpers.plotting import (
    class_colors,
    plot_decision_regions,
    plot_doubt_along_rays,
    plot_observations,
    plot_probability_contours,
    plot_probability_map,
    plot_uncertainty_region,
    set_style,
)


@pytest.fixture(scope="module")
def grid(iris_model):
    return grids.probability_grid(iris_model, (0, 7.5), (-0.5, 5), resolution=80,
                                  feature_names=("petal length (cm)", "petal width (cm)"))


def _contour_sets(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet)]


def test_set_style_changes_rcparams_only_when_called():
    before = plt.rcParams["figure.dpi"]
    import helpers.plotting  # noqa: F401  (importing has no side effect)

    assert plt.rcParams["figure.dpi"] == before
    with plt.rc_context():
        set_style(rc={"figure.dpi": 123})
        assert plt.rcParams["figure.dpi"] == 123


def test_class_colors_errors():
    with pytest.raises(ValueError, match="between 1 and 10"):
        class_colors(11)


def test_plot_observations_colours_each_class_and_circles_the_misclassified(iris_model, iris_xy):
    X, y = iris_xy
    wrong = iris_model.predict(X) != y
    ax = plot_observations(X, y, misclassified=wrong, feature_names=("a", "b"))
    assert ax is plt.gca()
    scatters = ax.collections
    assert [len(s.get_offsets()) for s in scatters] == [50, 50, 50, 5]
    colors = [to_hex(s.get_facecolor()[0]) for s in scatters[:3]]
    assert colors == class_colors(3)
    assert to_hex(scatters[3].get_edgecolor()[0]) == to_hex("red")
    assert ax.get_legend().get_texts()[-1].get_text() == "misclassified (5)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a", "b")


@pytest.mark.parametrize(
    "arguments, message",
    [
        (lambda X, y: (np.ones((150, 3)), y, {}), r"shape \(n_samples, 2\)"),
        (lambda X, y: (np.full((150, 2), np.nan), y, {}), "NaN"),
        (lambda X, y: (X, y, {"classes": ["setosa", "versicolor"]}), "not among the classes"),
        (lambda X, y: (X, y, {"misclassified": [True, False]}), "boolean mask"),
        (lambda X, y: (X, y[:3], {}), "150 rows but y has 3"),
    ],
    ids=["three features", "NaN", "unknown class", "short mask", "short y"],
)
def test_plot_observations_errors(iris_xy, arguments, message):
    X, y, kwargs = arguments(*iris_xy)
    with pytest.raises(ValueError, match=message):
        plot_observations(X, y, **kwargs)


#: The figures that draw a ProbabilityGrid with observations on top.
GRID_FIGURES = {
    "plot_decision_regions": plot_decision_regions,
    "plot_uncertainty_region": plot_uncertainty_region,
    "plot_probability_contours": lambda grid, X, y: plot_probability_contours(grid, X=X, y=y),
    "plot_probability_map": plot_probability_map,
}


@pytest.mark.parametrize("figure", GRID_FIGURES.values(), ids=GRID_FIGURES.keys())
def test_grid_figures_refuse_observations_of_the_wrong_shape(figure, grid, iris_xy):
    _, y = iris_xy
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\)"):
        figure(grid, np.ones((150, 3)), y)


@pytest.mark.parametrize("figure", GRID_FIGURES.values(), ids=GRID_FIGURES.keys())
def test_grid_figures_refuse_nan_observations(figure, grid, iris_xy):
    _, y = iris_xy
    with pytest.raises(ValueError, match="X contains NaN"):
        figure(grid, np.full((150, 2), np.nan), y)


@pytest.mark.parametrize("figure", GRID_FIGURES.values(), ids=GRID_FIGURES.keys())
def test_grid_figures_refuse_an_unknown_class(figure, grid, iris_xy):
    X, y = iris_xy
    with pytest.raises(ValueError, match=r"labels \['rose'\] that are not among the classes"):
        figure(grid, X, np.where(y == "setosa", "rose", y))


@pytest.mark.parametrize("figure", GRID_FIGURES.values(), ids=GRID_FIGURES.keys())
def test_grid_figures_refuse_observations_without_labels(figure, grid, iris_xy):
    X, _ = iris_xy
    with pytest.raises(ValueError, match="X was given without its labels y"):
        figure(grid, X, None)


def test_plot_decision_regions_fills_one_level_per_class(grid, iris_xy):
    X, y = iris_xy
    fig, ax = plt.subplots()
    assert plot_decision_regions(grid, X, y, ax=ax) is ax
    (filled,) = _contour_sets(ax)
    assert len(filled.levels) == 4  # boundaries of 3 classes: -0.5, 0.5, 1.5, 2.5
    assert [to_hex(c) for c in filled.get_facecolor()] == class_colors(3)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:3] == ["predicted setosa", "predicted versicolor", "predicted virginica"]
    assert ax.get_xlabel() == "petal length (cm)"


def test_plot_decision_regions_needs_a_grid():
    with pytest.raises(TypeError, match="ProbabilityGrid"):
        plot_decision_regions(np.zeros((3, 3)))


def test_plot_uncertainty_region_shades_bands_above_one_third(grid, iris_model):
    fig, ax = plt.subplots()
    point = grids.equal_probability_point(iris_model)
    plot_uncertainty_region(grid, point=point, levels=(0.4, 0.5), ax=ax)
    (filled,) = _contour_sets(ax)
    np.testing.assert_allclose(filled.levels, [1 / 3, 0.4, 0.5])
    (star,) = ax.lines
    np.testing.assert_allclose(star.get_xydata()[0], point)
    assert len(fig.axes) == 2  # the plot and its colour bar


def test_plot_uncertainty_region_refuses_levels_below_the_floor(grid):
    with pytest.raises(ValueError, match="levels must increase"):
        plot_uncertainty_region(grid, levels=(0.3, 0.5))


def test_plot_probability_contours_draws_one_line_per_class(grid):
    fig, ax = plt.subplots()
    plot_probability_contours(grid, level=0.5, ax=ax)
    contours = _contour_sets(ax)
    assert len(contours) == 3
    assert all(list(c.levels) == [0.5] for c in contours)
    assert [to_hex(c.get_edgecolor()[0]) for c in contours] == class_colors(3)


def test_plot_probability_contours_refuses_a_level_outside_0_1(grid):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        plot_probability_contours(grid, level=1.0)


def test_plot_probability_map_levels_cover_one_third_to_one(grid, iris_xy):
    X, y = iris_xy
    fig, ax = plt.subplots()
    plot_probability_map(grid, X, y, ax=ax)
    filled, certain = _contour_sets(ax)
    assert filled.levels[0] == pytest.approx(1 / 3)
    assert filled.levels[-1] == pytest.approx(1.0)
    assert list(certain.levels) == [0.99]
    assert len(fig.axes) == 2
    assert fig.axes[1].get_ylabel() == "maximum class probability"


def test_plot_points_marks_and_labels_each_point():
    fig, ax = plt.subplots()
    regions._plot_points([[0.1, 5], [10, 10]], labels=["a", "b"], ax=ax)
    assert len(ax.collections[0].get_offsets()) == 2
    assert [t.get_text() for t in ax.texts] == ["a", "b"]


@pytest.mark.parametrize(
    "points, labels, message",
    [
        ([[0.1, 5], [10, 10]], ["a"], "labels has 1 entries but there are 2 points"),
        ([[0.1, 5, 1]], None, r"points must have shape \(n_samples, 2\)"),
        ([[np.nan, 5]], None, "points contains NaN"),
    ],
    ids=["too few labels", "three coordinates", "NaN"],
)
def test_plot_points_errors(points, labels, message):
    with pytest.raises(ValueError, match=message):
        regions._plot_points(points, labels=labels)


def test_plot_perturbations_draws_an_arrow_per_row():
    fig, ax = plt.subplots()
    regions._plot_perturbations(np.zeros((3, 2)), np.ones((3, 2)), ax=ax)
    (arrows,) = ax.collections
    np.testing.assert_array_equal(arrows.U, [1, 1, 1])


@pytest.mark.parametrize(
    "X, delta, message",
    [
        (np.zeros((3, 2)), np.ones((2, 2)), "must match"),
        (np.zeros((3, 3)), np.ones((3, 3)), r"X must have shape \(n_samples, 2\)"),
        (np.zeros((3, 2)), np.full((3, 2), np.nan), "delta contains NaN"),
    ],
    ids=["fewer changes than points", "three coordinates", "NaN change"],
)
def test_plot_perturbations_errors(X, delta, message):
    with pytest.raises(ValueError, match=message):
        regions._plot_perturbations(X, delta)


def test_plot_doubt_along_rays_one_log_line_per_class(iris_model, iris_xy):
    X, y = iris_xy
    table = attacks.fools_along_rays(iris_model, X, y, [0, 1, 2])
    fig, ax = plt.subplots()
    plot_doubt_along_rays(table, ax=ax)
    assert [line.get_label() for line in ax.lines] == [
        "ray of setosa", "ray of versicolor", "ray of virginica"]
    assert [to_hex(line.get_color()) for line in ax.lines] == class_colors(3)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), table["other classes"][:3])
    assert ax.get_yscale() == "log"


def test_plot_doubt_along_rays_names_the_table_it_needs(iris_model, iris_xy):
    X, y = iris_xy
    table = attacks.fools_along_rays(iris_model, X, y, [0, 1])
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['other classes'\].*fools_along_rays"):
        plot_doubt_along_rays(table.drop(columns="other classes"))


@pytest.mark.parametrize("figure", [plot_decision_regions, plot_probability_map])
def test_region_figures_draw_their_overlays_in_one_call(figure, grid):
    from matplotlib.patches import Rectangle
    from matplotlib.quiver import Quiver

    fig, ax = plt.subplots()
    figure(grid, ax=ax, points=[[0.1, 5.0], [6.0, 4.0]], point_labels=["a", "b"],
           bounds=(-1.0, 1.0), perturbations=(np.zeros((3, 2)), np.ones((3, 2))))
    crosses = [c for c in ax.collections if c.get_offsets().shape == (2, 2)]
    assert len(crosses) == 1
    np.testing.assert_allclose(crosses[0].get_offsets(), [[0.1, 5.0], [6.0, 4.0]])
    assert [t.get_text() for t in ax.texts] == ["a", "b"]
    squares = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(squares) == 1 and squares[0].get_xy() == (-1.0, -1.0)
    assert "reachable: (-1, 1)²" in [t.get_text() for t in ax.get_legend().get_texts()]
    (arrows,) = [c for c in ax.collections if isinstance(c, Quiver)]
    np.testing.assert_array_equal(arrows.U, [1, 1, 1])


@pytest.mark.parametrize("figure", [plot_decision_regions, plot_probability_map])
def test_region_figures_without_overlays_add_none(figure, grid):
    fig, ax = plt.subplots()
    figure(grid, ax=ax)
    assert not ax.texts and not ax.patches


@pytest.mark.parametrize("figure", [plot_decision_regions, plot_probability_map])
@pytest.mark.parametrize(
    "overlay, message",
    [
        ({"point_labels": ["a"]}, "point_labels were given without points"),
        ({"perturbations": np.zeros((3, 2))}, r"perturbations must be a pair \(X_from, delta\)"),
        ({"bounds": (1.0, -1.0)}, "bounds must satisfy low < high"),
    ],
    ids=["labels without points", "perturbations not a pair", "reversed bounds"],
)
def test_region_figure_overlay_errors_name_the_fix(figure, grid, overlay, message):
    with pytest.raises(ValueError, match=message):
        figure(grid, **overlay)
