"""helpers.bottleneck and the inversion it rests on (helpers.network.invert_into_box)."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers import bottleneck, network, remedies


def _network(activation: str) -> MLPClassifier:
    return MLPClassifier((8, 2), activation=activation, learning_rate_init=0.01, tol=1e-2,
                         max_iter=2000, random_state=0)


@pytest.fixture(scope="module")
def identity_network(blobs):
    return _network("identity").fit(*blobs)


@pytest.fixture(scope="module")
def model(blobs):
    return remedies.HiddenLayerRBFClassifier(_network("identity"), layer=2).fit(*blobs)


def test_affine_map_to_layer_is_the_networks_own(identity_network, blobs):
    X, _ = blobs
    A, c = network.affine_map_to_layer(identity_network, 2)
    assert A.shape == (6, 2) and c.shape == (2,)
    np.testing.assert_allclose(X @ A + c, network.propagate(identity_network, X, 2), atol=1e-10)


def test_invert_into_box_reaches_the_point_with_an_image_in_the_box(identity_network, blobs):
    X, _ = blobs
    H = network.propagate(identity_network, X[:5], 2)
    images = network.invert_into_box(identity_network, H, 2)
    assert images.min() >= 0 and images.max() <= 1
    np.testing.assert_allclose(network.propagate(identity_network, images, 2), H, atol=1e-6)
    # the least ink: no more than the digits the points came from
    assert np.all(images.sum(axis=1) <= X[:5].sum(axis=1) + 1e-6)


def test_invert_into_box_proves_a_far_point_unreachable(identity_network):
    A, c = network.affine_map_to_layer(identity_network, 2)
    far = c + 10 * np.abs(A).sum(axis=0) + 1.0  # beyond every corner of the box's image
    images = network.invert_into_box(identity_network, far[np.newaxis], 2)
    assert np.all(np.isnan(images))


def test_invert_into_box_needs_an_identity_network(blobs):
    relu = _network("relu").fit(*blobs)
    with pytest.raises(ValueError, match="identity network"):
        network.invert_into_box(relu, np.zeros((1, 2)), 2)


@pytest.mark.parametrize("layer", [0, 3])
def test_invert_into_box_needs_a_hidden_layer(identity_network, layer):
    with pytest.raises(ValueError, match="not a hidden layer"):
        network.invert_into_box(identity_network, np.zeros((1, 2)), layer)


def test_invert_into_box_rejects_points_of_another_width(identity_network):
    with pytest.raises(ValueError, match="H"):
        network.invert_into_box(identity_network, np.zeros((1, 3)), 2)


def test_invert_into_box_rejects_a_bad_box(identity_network):
    with pytest.raises(ValueError, match="box"):
        network.invert_into_box(identity_network, np.zeros((1, 2)), 2, box=(1.0, 0.0))


def test_bottleneck_fool_beats_every_sampled_image_of_the_box(model):
    images = np.random.default_rng(1).uniform(0, 1, size=(5000, 6))
    sampled_best = model.predict_proba(images).max(axis=0)
    for k, target in enumerate(model.classes_):
        fool = bottleneck.bottleneck_fool_image(model, target, grid_size=150)
        assert fool.image.min() >= 0 and fool.image.max() <= 1
        np.testing.assert_allclose(
            network.propagate(model.network_, fool.image[np.newaxis], 2)[0], fool.hidden,
            atol=1e-6)
        assert fool.probability == pytest.approx(model.predict_proba(fool.image[np.newaxis])[0, k])
        assert fool.probability >= sampled_best[k] - 1e-3, target


def test_has_linear_bottleneck(model, blobs):
    assert bottleneck.has_linear_bottleneck(model)
    relu = remedies.HiddenLayerRBFClassifier(_network("relu"), layer=2).fit(*blobs)
    assert not bottleneck.has_linear_bottleneck(relu)
    assert not bottleneck.has_linear_bottleneck(LogisticRegression())
    unfitted = remedies.HiddenLayerRBFClassifier(_network("identity"))
    assert not bottleneck.has_linear_bottleneck(unfitted)


def test_bottleneck_fool_needs_a_hidden_layer_rbf_model(blobs):
    with pytest.raises(TypeError, match="HiddenLayerRBFClassifier"):
        bottleneck.bottleneck_fool_image(LogisticRegression().fit(*blobs), 0)


def test_bottleneck_fool_needs_an_identity_network(blobs):
    relu = remedies.HiddenLayerRBFClassifier(_network("relu"), layer=2).fit(*blobs)
    with pytest.raises(ValueError, match="identity network"):
        bottleneck.bottleneck_fool_image(relu, 0)


def test_bottleneck_fool_needs_a_layer_of_at_most_two_units(blobs):
    wide = remedies.HiddenLayerRBFClassifier(_network("identity"), layer=1).fit(*blobs)
    with pytest.raises(ValueError, match="8 units in layer 1"):
        bottleneck.bottleneck_fool_image(wide, 0)


def test_bottleneck_fool_rejects_an_unknown_class(model):
    with pytest.raises(ValueError, match="target_class=7 is not one of the model's classes"):
        bottleneck.bottleneck_fool_image(model, 7)


@pytest.mark.parametrize("argument", ["grid_size", "n_directions", "max_inversions"])
def test_bottleneck_fool_rejects_a_bad_count(model, argument):
    with pytest.raises(ValueError, match=argument):
        bottleneck.bottleneck_fool_image(model, 0, **{argument: 1.5})


def test_bottleneck_fool_says_what_to_raise_when_nothing_is_reachable(model, monkeypatch):
    monkeypatch.setattr(network, "invert_into_box",
                        lambda net, H, layer: np.full((len(H), 6), np.nan))
    with pytest.raises(RuntimeError, match="raise n_directions"):
        bottleneck.bottleneck_fool_image(model, 0, max_inversions=3)


def test_bottleneck_fool_says_what_to_raise_when_no_grid_point_lies_in_the_polygon(model):
    with pytest.raises(RuntimeError, match="raise grid_size"):
        bottleneck.bottleneck_fool_image(model, 0, grid_size=2)
