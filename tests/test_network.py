"""helpers.network: propagation through every layer of a fitted MLPClassifier."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from scipy.special import softmax
from sklearn.neural_network import MLPClassifier

from helpers import network
from helpers.network import layers


def _fit(activation, n_classes, hidden=(7, 5, 2), seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 6))
    y = np.arange(60) % n_classes
    model = MLPClassifier(hidden, activation=activation, max_iter=5, random_state=seed)
    with pytest.warns(Warning):  # 5 iterations do not converge; only the weights matter here
        model.fit(X, y)
    return model, X


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_output_layer_reproduces_predict_proba(activation, n_classes):
    model, X = _fit(activation, n_classes)
    probabilities = network.propagate(model, X, model.n_layers_ - 1)
    np.testing.assert_allclose(probabilities, model.predict_proba(X), rtol=0, atol=1e-12)


def test_layer_zero_is_the_input_and_shapes_follow_the_architecture():
    model, X = _fit("tanh", 3)
    np.testing.assert_array_equal(network.propagate(model, X, 0), X)
    assert network.layer_sizes(model) == [6, 7, 5, 2, 3]
    for layer, size in enumerate(network.layer_sizes(model)):
        assert network.propagate(model, X, layer).shape == (60, size)


def test_tanh_layers_stay_inside_the_open_square():
    model, X = _fit("tanh", 3)
    assert np.all(np.abs(network.propagate(model, 100 * X, 3)) < 1)


def test_pre_activation_then_activation_is_the_layer():
    model, X = _fit("tanh", 3)
    np.testing.assert_allclose(
        np.tanh(layers._pre_activation(model, X, 2)), network.propagate(model, X, 2), atol=1e-14
    )


def test_unfitted_network_is_refused():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        network.propagate(MLPClassifier(), np.zeros((1, 3)), 1)


def test_a_model_that_is_not_a_network_is_refused(iris_model):
    with pytest.raises(TypeError, match="MLPClassifier"):
        network.propagate(iris_model, np.zeros((1, 2)), 1)


def test_unsupported_activation_is_named():
    model, X = _fit("relu", 3)
    model.activation = "softplus"
    with pytest.raises(ValueError, match="softplus.*not supported"):
        network.propagate(model, X, 2)


@pytest.mark.parametrize("layer", [-1, 5])
def test_layer_out_of_range_names_the_valid_layers(layer):
    model, X = _fit("tanh", 3)
    message = f"^layer={layer} does not exist.*layers 0 \\(input\\) to 4 \\(output\\)"
    with pytest.raises(ValueError, match=message):
        network.propagate(model, X, layer)


@pytest.mark.parametrize("layer", [0, 4])
def test_a_hidden_layer_is_one_between_input_and_output(layer):
    model, _ = _fit("tanh", 3)
    assert network.check_hidden_layer(model, 3) == 3
    with pytest.raises(ValueError, match=f"^layer={layer} is not a hidden layer; use one from 1 to 3"):
        network.check_hidden_layer(model, layer)


@pytest.mark.parametrize("layer", [2.0, "2", True])
def test_a_layer_that_is_not_an_integer_is_refused(layer):
    model, X = _fit("tanh", 3)
    with pytest.raises(TypeError, match="layer must be an integer"):
        network.propagate(model, X, layer)


def test_wrong_number_of_features_is_refused():
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match="has 5 features but 6 are expected"):
        network.propagate(model, X[:, :5], 2)


def test_pre_activation_of_the_input_is_refused():
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match="no pre-activation"):
        layers._pre_activation(model, X, 0)


# --- Between layers, heads, inversion, far points, the ceiling of bounded networks -------------


def _fit_blobs(activation, n_classes=4, seed=0):
    """A (12, 6, 2) network on well-separated blobs in 20 dimensions: it learns every class."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(n_classes, 20))
    y = np.arange(200) % n_classes
    X = centres[y] + rng.normal(size=(200, 20))
    model = MLPClassifier(
        (12, 6, 2), activation=activation, learning_rate_init=0.01, tol=1e-2, max_iter=300,
        random_state=seed,
    ).fit(X, y)
    return model, X


def _saturating(model, factor=10.0):
    """The same network with hidden weights multiplied by ``factor``, so its units can saturate."""
    model.coefs_ = [factor * W for W in model.coefs_[:-1]] + [model.coefs_[-1]]
    return model


@pytest.fixture(scope="module")
def identity_blobs():
    return _fit_blobs("identity")


@pytest.fixture(scope="module")
def tanh_blobs():
    return _fit_blobs("tanh")


@pytest.mark.parametrize("start", [0, 1, 2, 3, 4])
def test_propagate_between_continues_from_any_layer(tanh_blobs, start):
    model, X = tanh_blobs
    H = network.propagate(model, X, start)
    np.testing.assert_allclose(
        network.propagate_between(model, H, start, 4), model.predict_proba(X), atol=1e-12
    )


def test_propagate_between_refuses_going_backwards(tanh_blobs):
    model, X = tanh_blobs
    with pytest.raises(ValueError, match="start=3 comes after stop=1.*invert_to_input"):
        network.propagate_between(model, network.propagate(model, X, 3), 3, 1)


def test_propagate_between_checks_the_width_of_the_start_layer(tanh_blobs):
    model, X = tanh_blobs
    with pytest.raises(ValueError, match="H has 20 features but 2 are expected"):
        network.propagate_between(model, X, 3, 4)


def test_propagate_between_refuses_a_multi_label_network():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)  # two labels per row
    model = MLPClassifier((5, 2), max_iter=5, random_state=0)
    with pytest.warns(Warning):  # 5 iterations do not converge; only the output layer matters
        model.fit(X, Y)
    with pytest.raises(ValueError, match="multi-label networks are not.*single-label"):
        network.propagate_between(model, X, 0, model.n_layers_ - 1)


def test_head_from_layer_maps_hidden_points_to_probabilities(tanh_blobs):
    model, X = tanh_blobs
    head = network.head_from_layer(model, 3)
    np.testing.assert_allclose(head(network.propagate(model, X, 3)), model.predict_proba(X),
                               atol=1e-12)
    assert head(np.array([[50.0, -50.0]])).shape == (1, 4)


def test_head_from_the_output_layer_is_refused(tanh_blobs):
    model, _ = tanh_blobs
    with pytest.raises(ValueError, match="output layer.*from 0 to 3"):
        network.head_from_layer(model, 4)


@pytest.mark.parametrize("blobs, layer", [("tanh_blobs", 3), ("identity_blobs", 3),
                                          ("identity_blobs", 1), ("identity_blobs", 0)])
def test_affine_head_is_the_softmax_of_the_scores(request, blobs, layer):
    model, X = request.getfixturevalue(blobs)
    W, b = network.affine_head(model, layer)
    H = network.propagate(model, X, layer)
    assert W.shape == (4, network.layer_sizes(model)[layer])
    np.testing.assert_allclose(softmax(H @ W.T + b, axis=1), model.predict_proba(X), atol=1e-12)


def test_affine_head_of_a_binary_network_scores_the_first_class_zero():
    model, X = _fit("identity", 2)
    W, b = network.affine_head(model, 3)
    np.testing.assert_array_equal(W[0], 0.0)
    H = network.propagate(model, X, 3)
    np.testing.assert_allclose(softmax(H @ W.T + b, axis=1), model.predict_proba(X), atol=1e-12)


def test_affine_head_before_a_tanh_layer_is_refused(tanh_blobs):
    model, _ = tanh_blobs
    with pytest.raises(ValueError, match="last hidden layer only; use layer=3"):
        network.affine_head(model, 2)


@pytest.mark.parametrize("layer", [1, 2, 3])
def test_inverted_points_map_back_to_the_hidden_points(identity_blobs, layer):
    model, _ = identity_blobs
    n_units = network.layer_sizes(model)[layer]
    H = 1000.0 * np.random.default_rng(1).normal(size=(5, n_units))  # far from any data
    X = network.invert_to_input(model, H, layer)
    assert X.shape == (5, 20)
    np.testing.assert_allclose(network.propagate(model, X, layer), H, rtol=1e-6)


def test_inversion_is_the_minimum_norm_solution(identity_blobs):
    model, _ = identity_blobs
    # One layer: the pseudo-inverse solution has no component in the null space of x -> x @ W.
    h1 = np.random.default_rng(2).normal(size=(1, 12))
    X = network.invert_to_input(model, h1, 1)
    null_space = np.linalg.svd(model.coefs_[0].T)[2][12:]  # (20 - 12, 20)
    np.testing.assert_allclose(X @ null_space.T, 0.0, atol=1e-10)


def test_inverting_a_tanh_network_points_to_the_tanh_search(tanh_blobs):
    model, _ = tanh_blobs
    with pytest.raises(ValueError, match="cannot be inverted.*tanh_fools"):
        network.invert_to_input(model, np.zeros((1, 2)), 3)


@pytest.mark.parametrize("layer, message", [(0, "input itself"), (4, "output.*1 to 3")])
def test_inverting_the_input_or_output_layer_is_refused(identity_blobs, layer, message):
    model, _ = identity_blobs
    with pytest.raises(ValueError, match=message):
        network.invert_to_input(model, np.zeros((1, 4)), layer)


def test_inverting_hidden_points_of_the_wrong_width_is_refused(identity_blobs):
    model, _ = identity_blobs
    with pytest.raises(ValueError, match="H has 3 features but 2 are expected"):
        network.invert_to_input(model, np.zeros((1, 3)), 3)


def test_far_points_are_certain_far_from_the_data_and_survive_inversion(identity_blobs):
    model, X = identity_blobs
    H = network.propagate(model, X, 3)
    far = network.far_point_per_class(model, H, distance_factor=5.0, min_probability=0.999)
    np.testing.assert_array_equal(far.classes, model.classes_)
    assert far.points.shape == (4, 2)
    np.testing.assert_allclose(np.linalg.norm(far.directions, axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(far.points - far.centre, axis=1), far.distances)
    assert np.all(far.distances >= 5.0 * far.spread - 1e-9)
    np.testing.assert_allclose(far.spread, np.sqrt(((H - H.mean(0)) ** 2).sum(1).mean()))
    proba = model.predict_proba(network.invert_to_input(model, far.points, 3))
    np.testing.assert_array_equal(proba.argmax(axis=1), np.arange(4))
    assert np.all(proba.max(axis=1) >= 0.999)


def test_far_points_go_as_far_as_the_probability_needs(identity_blobs):
    model, X = identity_blobs
    H = network.propagate(model, X, 3)
    far = network.far_point_per_class(model, H, distance_factor=1e-6, min_probability=1 - 1e-9)
    proba = network.head_from_layer(model, 3)(far.points)
    assert np.all(proba.diagonal() >= 1 - 1e-9)
    assert np.all(far.distances > 1e-6 * far.spread)


def test_far_points_of_an_earlier_identity_layer(identity_blobs):
    model, X = identity_blobs
    far = network.far_point_per_class(model, network.propagate(model, X, 2), layer=2)
    proba = network.head_from_layer(model, 2)(far.points)
    assert np.all(proba.diagonal() >= 0.999)


def test_far_points_do_not_exist_in_a_tanh_layer(tanh_blobs):
    model, X = tanh_blobs
    with pytest.raises(ValueError, match="far from the data do not exist.*confidence_ceiling"):
        network.far_point_per_class(model, network.propagate(model, X, 3))


def test_far_points_do_not_exist_in_a_relu_layer():
    model, X = _fit("relu", 3)
    with pytest.raises(ValueError, match="at or above 0.*identity"):
        network.far_point_per_class(model, network.propagate(model, X, 3))


@pytest.mark.parametrize(
    "kwargs, message",
    [({"distance_factor": 0.0}, "distance_factor must be positive"),
     ({"min_probability": 1.0}, "min_probability must lie strictly between 0 and 1")],
)
def test_far_point_arguments_are_checked(identity_blobs, kwargs, message):
    model, X = identity_blobs
    with pytest.raises(ValueError, match=message):
        network.far_point_per_class(model, network.propagate(model, X, 3), **kwargs)


def test_far_points_need_hidden_data_of_the_layer_width(identity_blobs):
    model, X = identity_blobs
    with pytest.raises(ValueError, match="H_data has 20 features but 2 are expected"):
        network.far_point_per_class(model, X)


def _dense_square_maximum(model, resolution=401):
    low, high = network.BOUNDED_ACTIVATIONS[model.activation][0]
    side = np.linspace(low, high, resolution)
    square = np.column_stack([a.ravel() for a in np.meshgrid(side, side)])
    return network.head_from_layer(model, 3)(square).max(axis=0)


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
def test_ceiling_is_the_maximum_over_the_square(activation):
    model, _ = _fit_blobs(activation)
    ceiling = network.confidence_ceiling(model)
    grid_maximum = _dense_square_maximum(model)
    assert np.all(ceiling.ceiling >= grid_maximum - 1e-12)
    assert np.all(ceiling.ceiling - grid_maximum < 1e-3)
    np.testing.assert_allclose(
        network.head_from_layer(model, 3)(ceiling.hidden).diagonal(), ceiling.ceiling, rtol=1e-12
    )
    low, high = ceiling.bounds
    assert np.all((ceiling.hidden >= low) & (ceiling.hidden <= high))


def test_ceiling_inside_the_square_is_found():
    # Class 1's scores are the mean of classes 0 and 2's: it peaks in the middle, not at a corner.
    model, _ = _fit_blobs("tanh", n_classes=3)
    model.coefs_[-1] = np.array([[-4.0, 0.0, 4.0], [0.0, 1.0, 0.0]])
    model.intercepts_[-1] = np.array([0.0, 1.0, 0.0])
    ceiling = network.confidence_ceiling(model)
    np.testing.assert_allclose(ceiling.hidden[1], [0.0, 1.0], atol=1e-6)
    assert ceiling.ceiling[1] >= _dense_square_maximum(model)[1] - 1e-12


def test_identity_networks_have_no_ceiling(identity_blobs):
    model, _ = identity_blobs
    with pytest.raises(ValueError, match="no ceiling.*far_point_per_class"):
        network.confidence_ceiling(model)


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
def test_bounded_fools_reach_the_ceiling(activation):
    model = _saturating(_fit_blobs(activation)[0])
    ceiling = network.confidence_ceiling(model).ceiling
    fools = network.tanh_fools(model)
    assert fools.shape == (4, 20)
    reached = model.predict_proba(fools).diagonal()
    assert np.all(reached >= ceiling - 0.01)
    assert np.all(reached <= ceiling + 1e-12)


def test_bounded_fools_for_chosen_classes(tanh_blobs):
    model = _saturating(_fit_blobs("tanh")[0])
    fools = network.tanh_fools(model, target_classes=[2])
    assert model.predict(fools).tolist() == [2]


@pytest.mark.parametrize(
    "kwargs, message",
    [({"target_classes": [7]}, "selection of the network's classes"),
     ({"target_classes": []}, "non-empty"),
     ({"slack": 0.5}, "slack must lie strictly between 0 and 0.5"),
     ({"slack": 0}, "slack must lie strictly between 0 and 0.5")],
)
def test_bounded_fool_arguments_are_checked(tanh_blobs, kwargs, message):
    model, _ = tanh_blobs
    with pytest.raises(ValueError, match=message):
        network.tanh_fools(model, **kwargs)


def test_bounded_fools_of_an_identity_network_are_refused(identity_blobs):
    model, _ = identity_blobs
    with pytest.raises(ValueError, match="not bounded"):
        network.tanh_fools(model)


@pytest.mark.parametrize("name", sorted(network.ACTIVATIONS))
def test_each_activation_derivative_matches_finite_differences(name):
    z = np.array([-2.5, -0.7, 0.3, 1.9])  # away from relu's kink at 0
    step = 1e-6
    activation, derivative = network.ACTIVATIONS[name], network.ACTIVATION_DERIVATIVES[name]
    numeric = (activation(z + step) - activation(z - step)) / (2 * step)
    np.testing.assert_allclose(derivative(activation(z)), numeric, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("start", [0, 1])
def test_logit_bounds_hold_every_point_of_the_box(activation, n_classes, start):
    model, X = _fit(activation, n_classes)
    rng = np.random.default_rng(1)
    centre = network.propagate(model, X[:10], start)
    half_width = rng.uniform(0, 0.5, size=centre.shape)
    lower, upper = layers._logit_bounds(model, centre - half_width, centre + half_width, start)
    n_outputs = model.coefs_[-1].shape[1]
    assert lower.shape == upper.shape == (10, n_outputs)
    for _ in range(50):  # random points, and corners, of every box
        inside = centre + half_width * rng.choice([-1.0, rng.uniform(-1, 1), 1.0], size=centre.shape)
        logits = network.forward_pass(model, inside, start).pre_activations[-1]
        assert np.all(lower - 1e-12 <= logits) and np.all(logits <= upper + 1e-12)
    # a box of width zero is bounded by its point's logits
    point_low, point_high = layers._logit_bounds(model, centre, centre, start)
    exact = network.forward_pass(model, centre, start).pre_activations[-1]
    np.testing.assert_allclose(point_low, exact, atol=1e-12)
    np.testing.assert_allclose(point_high, exact, atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_box_keeps_class_only_where_no_point_of_the_box_changes_class(n_classes):
    model, X = _fit("tanh", n_classes)
    model.coefs_ = [4 * W for W in model.coefs_]  # 5 iterations leave the weights too small to bend
    rng = np.random.default_rng(2)
    predicted = model.predict_proba(X).argmax(axis=1)
    widths = np.array([1e-3, 0.05, 0.3, 3.0, 100.0])
    results = []
    for width in widths:
        kept = network.box_keeps_class(model, X - width, X + width, predicted)
        for _ in range(50):
            moved = model.predict_proba(X + rng.uniform(-width, width, size=X.shape)).argmax(axis=1)
            assert np.all(moved[kept] == predicted[kept])
        results.append(kept.mean())
    assert results[0] > 0.9 and results[-1] < 0.1  # tiny boxes are proven, huge ones are not
    assert not network.box_keeps_class(model, X, X, (predicted + 1) % n_classes).any()


def test_logit_bounds_refuse_the_output_layer():
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match="output layer"):
        layers._logit_bounds(model, X[:, :3], X[:, :3], start=model.n_layers_ - 1)


def test_logit_bounds_refuse_a_reversed_box():
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match=r"low lies above high in 6 place\(s\), e.g. box 0, unit 0.*"
                                         "lower corner as low"):
        layers._logit_bounds(model, X[:1] + 0.1, X[:1])


def test_logit_bounds_refuse_a_nan_box():
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match="low contains 6 NaN or infinite value"):
        layers._logit_bounds(model, np.full((1, 6), np.nan), X[:1])


def test_logit_bounds_refuse_corners_of_another_width():
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match="high has 3 features but 6 are expected"):
        layers._logit_bounds(model, X[:2], X[:2, :3])


def test_box_keeps_class_refuses_a_predicted_of_another_length():
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match=r"predicted must hold one class position per box, shape "
                                         r"\(3,\); got shape \(2,\)"):
        network.box_keeps_class(model, X[:3], X[:3] + 0.01, [0, 1])


@pytest.mark.parametrize("predicted", [[0, 3], [0.0, 1.0], [-1, 0]], ids=["3", "floats", "-1"])
def test_box_keeps_class_refuses_what_is_not_a_class_position(predicted):
    model, X = _fit("tanh", 3)
    with pytest.raises(ValueError, match=r"positions in model.classes_, whole numbers from 0 to 2"):
        network.box_keeps_class(model, X[:2], X[:2] + 0.01, np.array(predicted))
