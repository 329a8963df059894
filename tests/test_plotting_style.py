"""The class colours stay apart for readers with the common colour-vision deficiencies.

Each colour is seen as a reader with full dichromacy would see it, by the simulation of Machado,
Oliveira and Fernandes (2009, "A physiologically-based model for simulation of color vision
deficiency", IEEE TVCG 15(6); their matrices for severity 1.0, applied to linear sRGB), and the
colours are compared in CIELAB (D65): the Euclidean distance, ΔE*ab (CIE 1976). Two colours
about 2.3 apart can just be told apart side by side; markers in a scatter plot need far more.
"""

import itertools

import numpy as np
import pytest

from helpers.plotting import CLASS_COLORS, class_colors
from helpers.plotting.density import GROUP_COLORS

#: Machado et al. (2009), Table 2, severity 1.0: linear RGB -> linear RGB as seen.
DICHROMACY = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
VISIONS = ("normal", *DICHROMACY)
#: Linear sRGB -> CIE XYZ (D65).
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
#: The smallest ΔE*ab between any two of the first four class colours, in every vision.
MIN_CLASS_DISTANCE = 35.0
#: The same for the first five density groups (histograms that overlap, so a little less).
MIN_GROUP_DISTANCE = 20.0
#: Every colour this far from the white background at least, in every vision.
MIN_BACKGROUND_DISTANCE = 25.0


def _linear_rgb(hex_colors) -> np.ndarray:
    rgb = np.array([[int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)] for color in hex_colors])
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def cielab(hex_colors, vision: str = "normal") -> np.ndarray:
    """CIELAB coordinates, shape (n_colors, 3), of the colours as seen with ``vision``."""
    linear = _linear_rgb(hex_colors)
    if vision != "normal":
        linear = np.clip(linear @ DICHROMACY[vision].T, 0.0, 1.0)
    xyz = linear @ SRGB_TO_XYZ.T / SRGB_TO_XYZ.sum(axis=1)  # relative to the D65 white
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def smallest_distance(hex_colors, vision: str) -> tuple[float, tuple[str, str]]:
    """The smallest ΔE*ab between two of the colours, and that pair."""
    lab = dict(zip(hex_colors, cielab(hex_colors, vision)))
    pair = min(itertools.combinations(hex_colors, 2), key=lambda p: np.linalg.norm(lab[p[0]] - lab[p[1]]))
    return float(np.linalg.norm(lab[pair[0]] - lab[pair[1]])), pair


def test_the_simulation_keeps_white_and_grey_and_merges_a_known_confusion_pair():
    for matrix in DICHROMACY.values():
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-3)  # greys stay grey
    np.testing.assert_allclose(cielab(["#ffffff"])[0], [100, 0, 0], atol=1e-3)
    # Red and green, far apart for normal vision, nearly merge for a deuteranope.
    assert smallest_distance(["#d62728", "#2ca02c"], "normal")[0] > 80
    assert smallest_distance(["#d62728", "#2ca02c"], "deuteranopia")[0] < 20


def test_the_old_palette_would_fail_the_class_test():
    # seaborn's "colorblind" orange and vermilion: classes 1 and 3 of notebooks 03 and 04 before.
    assert smallest_distance(["#de8f05", "#d55e00"], "deuteranopia")[0] < MIN_CLASS_DISTANCE


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("n_classes", [2, 3, 4])
def test_class_colours_stay_apart(vision: str, n_classes: int):
    distance, pair = smallest_distance(class_colors(n_classes), vision)
    assert distance >= MIN_CLASS_DISTANCE, f"{pair} only {distance:.1f} apart ({vision})"


@pytest.mark.parametrize("vision", VISIONS)
def test_density_group_colours_stay_apart(vision: str):
    distance, pair = smallest_distance(list(GROUP_COLORS[:5]), vision)
    assert distance >= MIN_GROUP_DISTANCE, f"{pair} only {distance:.1f} apart ({vision})"


@pytest.mark.parametrize("vision", VISIONS)
def test_every_class_colour_shows_on_the_white_background(vision: str):
    white = cielab(["#ffffff"], vision)[0]
    for color, lab in zip(CLASS_COLORS, cielab(CLASS_COLORS, vision)):
        assert np.linalg.norm(lab - white) >= MIN_BACKGROUND_DISTANCE, f"{color} ({vision})"


def test_class_colours_are_ten_distinct_hex_colours():
    assert len(CLASS_COLORS) == 10 and len(set(CLASS_COLORS)) == 10
    assert all(len(color) == 7 and color.startswith("#") for color in CLASS_COLORS)


def _style_state():
    import matplotlib.colors

    return dict(matplotlib.rcParams), {code: matplotlib.colors.colorConverter.colors[code]
                                       for code in "bgrmyck"}


@pytest.mark.parametrize("context", ["paper", "notebook", "talk", "poster"])
def test_set_style_is_seaborns_whitegrid_theme_then_the_series_settings(context):
    # set_style writes seaborn's theme out instead of importing seaborn (0.3 s a notebook):
    # every rc setting and colour code must still be what seaborn sets
    import matplotlib
    import seaborn

    from helpers.plotting import set_style

    saved = _style_state()
    try:
        matplotlib.rcdefaults()
        set_style(context)
        ours = _style_state()
        matplotlib.rcdefaults()
        seaborn.set_theme(context=context, style="whitegrid")
        matplotlib.rcParams.update({"figure.figsize": (6.4, 4.8), "figure.dpi": 80,
                                    "figure.constrained_layout.use": True, "savefig.dpi": 80,
                                    "axes.titleweight": "bold", "image.cmap": "viridis"})
        theirs = _style_state()
    finally:
        matplotlib.rcParams.update(saved[0])
        matplotlib.colors.colorConverter.colors.update(saved[1])
    different = {key: (ours[0][key], theirs[0][key]) for key in theirs[0]
                 if ours[0][key] != theirs[0][key]}
    assert not different
    assert ours[1] == theirs[1]


def test_set_style_refuses_an_unknown_context():
    from helpers.plotting import set_style

    with pytest.raises(ValueError, match="context must be one of"):
        set_style("huge")
