"""Chapter 7's models and widgets: the cached CNN and recurrent networks, the kernel explorer and
the LSTM stepper, driven programmatically."""

import itertools

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from scipy.signal import correlate2d  # noqa: E402

from nnlib import datasets, gradcheck  # noqa: E402
from nnlib.widgets import network_types as nt  # noqa: E402

pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# --- the cached models ---------------------------------------------------------------------


def test_digits_images_are_the_stratified_split_with_a_channel_axis():
    X_train, X_test, y_train, y_test = nt.digits_images()
    assert X_train.shape == (1347, 8, 8, 1) and X_test.shape == (450, 8, 8, 1)
    _, labels = datasets.load_digits(return_images=True)
    assert X_train.min() == 0 and X_train.max() == 1
    assert abs(np.bincount(y_test) / 450 - np.bincount(labels) / 1797).max() < 0.005
    X_train[0, 0, 0, 0] = 99.0  # a copy: the cache is untouched
    assert nt.digits_images()[0][0, 0, 0, 0] != 99.0


def test_digits_cnn_is_trained_cached_and_accurate():
    model, history = nt.digits_cnn()
    assert model.count_params() == 2650
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "Flatten",
        "Dense",
    ]
    _, X_test, _, y_test = nt.digits_images()
    loss, accuracy = model.evaluate(X_test, y_test)
    assert accuracy >= 0.95 and accuracy == pytest.approx(history["val_accuracy"][-1])
    assert len(history["loss"]) == 15 and history["loss"][-1] < 0.2 * history["loss"][0]
    assert nt.train_digits_cnn.cache_info().currsize >= 1
    hits = nt.train_digits_cnn.cache_info().hits
    again, _ = nt.digits_cnn()  # cached: rebuilt from the stored weights, not retrained
    assert nt.train_digits_cnn.cache_info().hits == hits + 1
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    model.layers[0].K.value[:] = 0.0  # each call gives a new model
    assert np.abs(nt.digits_cnn()[0].layers[0].K.value).max() > 0


def test_trained_filters_are_the_first_layer_largest_first():
    model, _ = nt.digits_cnn()
    K = model.layers[0].K.value[:, :, 0, :]
    filters = nt.trained_filters()
    assert filters.shape == (16, 3, 3)
    norms = np.linalg.norm(filters, axis=(1, 2))
    assert np.all(np.diff(norms) <= 0)
    for f in filters:
        assert any(np.array_equal(f, K[:, :, k]) for k in range(16))
    np.testing.assert_array_equal(nt.kernel_matrix("trained filter 2"), filters[1])


def test_recall_data_is_the_first_symbol_task():
    X_train, X_test, y_train, y_test = nt.recall_data()
    assert X_train.shape == (1000, 40, 5) and X_test.shape == (200, 40, 5)
    np.testing.assert_array_equal(X_test[:, 0, :4].argmax(axis=1), y_test)
    np.testing.assert_array_equal(X_train[:, 0, 4], 1.0)


def test_input_gradient_norms_are_the_gradient_of_the_loss_with_respect_to_each_step():
    model = nt.recall_model_untrained("LSTM", units=3, length=5, seed=1)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    X, y = datasets.make_recall_sequences(6, length=5, seed=2)
    norms = nt.input_gradient_norms(model, X, y)

    def loss():
        return model.evaluate(X, y)

    numeric = gradcheck.numerical_gradient(loss, X)  # (6, 5, 5)
    np.testing.assert_allclose(norms, np.linalg.norm(numeric, axis=2).mean(axis=0), rtol=1e-6)
    with pytest.raises(ValueError, match="SimpleRNN' or 'LSTM"):
        nt.recall_model_untrained("GRU")


def test_recall_lstm_learns_the_task_and_records_the_gradient_reach():
    model, history = nt.recall_model("LSTM")
    _, X_test, _, y_test = nt.recall_data()
    assert model.evaluate(X_test, y_test)[1] >= 0.95
    assert len(history["reach"]) == len(history["loss"]) == 15
    reach_now = nt.input_gradient_norms(model, X_test, y_test)
    assert history["reach"][-1] == pytest.approx(reach_now[0] / reach_now[-1], rel=1e-10)
    assert history["reach"][-1] > 100 * history["reach"][0]  # it learned to carry the gradient


# --- the kernel explorer: pure function ---------------------------------------------------------


def reference_map(image, K, stride, padding):
    """scipy's cross-correlation, with TensorFlow's 'same' padding written out by hand."""
    if padding == "same":
        pads = []
        for size in image.shape:
            out = -(-size // stride)
            total = max((out - 1) * stride + 3 - size, 0)
            pads.append((total // 2, total - total // 2))
        image = np.pad(image, pads)
    return correlate2d(image, K, mode="valid")[::stride, ::stride]


@pytest.mark.parametrize(
    ("kernel", "image", "stride", "padding"),
    [
        ("vertical edge", "digit 3", 1, "valid"),
        ("Sobel x", "shapes", 2, "same"),
        ("sharpen", "photo", 1, "same"),
        ("trained filter 1", "digit 0", 2, "valid"),
        ("box blur", "photo", 2, "valid"),
    ],
)
def test_kernel_state_is_cross_correlation_then_max_pooling(kernel, image, stride, padding):
    state = nt.kernel_state(kernel, image, stride, padding)
    expected = reference_map(nt.image_matrix(image), nt.kernel_matrix(kernel), stride, padding)
    np.testing.assert_allclose(state["feature_map"], expected, rtol=1e-12, atol=1e-12)
    Ho, Wo = expected.shape
    blocks = expected[: Ho // 2 * 2, : Wo // 2 * 2].reshape(Ho // 2, 2, Wo // 2, 2)
    np.testing.assert_allclose(state["pooled"], blocks.max(axis=(1, 3)), rtol=1e-12, atol=1e-12)
    r, c = state["argmax"]
    assert state["feature_map"][r, c] == state["feature_map"].max()
    relu = nt.kernel_state(kernel, image, stride, padding, relu="yes")
    np.testing.assert_allclose(relu["feature_map"], np.maximum(expected, 0), atol=1e-12)


def test_preset_kernels_do_what_their_names_say():
    image = nt.image_matrix("digit 7")
    identity = nt.kernel_state("identity", "digit 7")["feature_map"]
    np.testing.assert_array_equal(identity, image[1:-1, 1:-1])
    np.testing.assert_array_equal(
        nt.kernel_state("identity", "digit 7", padding="same")["feature_map"], image
    )
    blur = nt.kernel_state("box blur", "digit 7")["feature_map"]
    assert blur[2, 3] == pytest.approx(image[2:5, 3:6].mean())
    # On the shapes picture the square (rows and columns 3-9) is bright on black: the vertical
    # edge detector (bright left) fires on its right edge and goes negative on its left edge.
    vertical = nt.kernel_state("vertical edge", "shapes", padding="same")["feature_map"]
    assert vertical[6, 9] == 3.0 and vertical[6, 3] == -3.0 and vertical[6, 6] == 0.0
    horizontal = nt.kernel_state("horizontal edge", "shapes", padding="same")["feature_map"]
    assert horizontal[9, 6] == 3.0 and horizontal[3, 6] == -3.0
    sobel = nt.kernel_state("Sobel y", "shapes", padding="same")["feature_map"]
    assert sobel[2, 6] == 4.0 and sobel[10, 6] == -4.0  # brighter below, brighter above
    outline = nt.kernel_state("outline (Laplacian)", "shapes", padding="same")["feature_map"]
    assert outline[6, 6] == 0.0 and outline[3, 3] == 5.0  # flat inside, strong at a corner


def test_editing_one_entry_changes_only_that_entry():
    base = nt.kernel_state("Sobel x")["kernel"]
    edited = nt.kernel_state("Sobel x", entry="centre", value=-1.5)["kernel"]
    assert edited[1, 1] == -1.5
    edited[1, 1] = base[1, 1]
    np.testing.assert_array_equal(edited, base)
    corner = nt.kernel_state("identity", entry="top left", value=2.0)["kernel"]
    assert corner[0, 0] == 2.0 and corner[1, 1] == 1.0
    assert len(nt.ENTRIES) == 10 and nt.ENTRIES["bottom right"] == (2, 2)


def test_the_photo_is_scikit_learns_sample_image_in_grey_blocks():
    from sklearn.datasets import load_sample_image

    rgb = load_sample_image("china.jpg")
    np.testing.assert_array_equal(nt._sample_image("china.jpg"), rgb)
    grey = (rgb.astype(float) / 255) @ [0.299, 0.587, 0.114]
    expected = grey[:424, :640].reshape(53, 8, 80, 8).mean(axis=(1, 3))
    np.testing.assert_allclose(nt.image_matrix("photo"), expected, rtol=1e-12)


def test_sizes_follow_the_output_size_formula():
    for image, (H, W) in {"digit 3": (8, 8), "shapes": (24, 24), "photo": (53, 80)}.items():
        for stride, padding in itertools.product((1, 2), ("valid", "same")):
            state = nt.kernel_state("identity", image, stride, padding)
            if padding == "valid":
                expected = ((H - 3) // stride + 1, (W - 3) // stride + 1)
            else:
                expected = (-(-H // stride), -(-W // stride))
            assert state["feature_map"].shape == expected
            assert sum(state["padding_rows"]) == (
                0 if padding == "valid" else max((expected[0] - 1) * stride + 3 - H, 0)
            )


def test_kernel_state_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown kernel"):
        nt.kernel_state(kernel="emboss")
    with pytest.raises(ValueError, match="unknown image"):
        nt.kernel_state(image="cat")
    with pytest.raises(ValueError, match="unknown entry"):
        nt.kernel_state(entry="middle")


def test_every_dropdown_combination_computes_finite_maps():
    for kernel, image, stride, padding, relu in itertools.product(
        nt.KERNEL_CHOICES, nt.IMAGE_CHOICES, (1, 2), ("valid", "same"), ("no", "yes")
    ):
        state = nt.kernel_state(kernel, image, stride, padding, relu)
        assert np.isfinite(state["feature_map"]).all() and state["pooled"].size >= 1


# --- the kernel explorer: the widget ----------------------------------------------------------


def test_kernel_explorer_shows_what_the_pure_function_computes():
    e = nt.kernel_explorer()
    first = e.image.value
    assert e.image.value[:4] == b"\x89PNG" and e.losses == []
    assert "floor((8 + 0 − 3) / 1) + 1 = 6" in e.text and "6×6" in e.text
    e.set(kernel="Sobel y", image="photo", stride=2, padding="same", relu="yes")
    expected = nt.kernel_state("Sobel y", "photo", 2, "same", "yes")
    np.testing.assert_array_equal(e.state["feature_map"], expected["feature_map"])
    assert e.image.value != first
    assert "photo (53×80" in e.text and "27×40" in e.text and "then ReLU" in e.text
    assert f"{expected['feature_map'].max():.2f}" in e.text
    assert 'aria-live="polite"' in e.readout.value


def test_kernel_explorer_back_to_a_picture_seen_before_draws_it_as_a_fresh_one_does():
    # The square digit's background is kept from the start. The photo (not square) moved the
    # equal-aspect axes; the digit, drawn on its old background, must move them back (it was
    # squeezed to the photo's height, 53,636 pixels off).
    e = nt.kernel_explorer(image="digit 3")
    e.set(image="photo")
    e.set(image="digit 3")
    assert e.image.value == nt.kernel_explorer(image="digit 3").image.value


def test_kernel_explorer_edits_and_resets():
    e = nt.kernel_explorer(kernel="identity")
    before = e.image.value
    e.set(entry="top right", value=-2.0)
    assert e.state["kernel"][0, 2] == -2.0 and "[0 0 -2; 0 1 0; 0 0 0]" in e.text
    assert e.image.value != before
    e.reset()
    assert e.values["entry"] == "none" and e.state["kernel"][0, 2] == 0.0


def test_kernel_explorer_extremes_neither_crash_nor_warn():
    e = nt.kernel_explorer()
    for image in nt.IMAGE_CHOICES:  # the smallest maps (stride 2) and the largest values
        e.set(image=image, entry="centre", value=2.0, stride=2, padding="valid", relu="yes")
        K = e.state["kernel"]
        assert K[1, 1] == 2.0
        expected = np.maximum(reference_map(nt.image_matrix(image), K, 2, "valid"), 0)
        np.testing.assert_allclose(e.state["feature_map"], expected, atol=1e-12)
        assert f"{expected.max():.2f}" in e.text and e.image.value[:4] == b"\x89PNG"
    for entry in nt.ENTRIES:
        for value in (-2.0, 2.0):
            e.set(kernel="sharpen", entry=entry, value=value)
            assert np.isfinite(e.state["feature_map"]).all() and e.text
    e.set(kernel="identity", entry="centre", value=0.0, relu="no")  # an all-zero kernel
    assert np.all(e.state["feature_map"] == 0) and "from 0.00 to 0.00" in e.text
    e.set(value=100.0)  # beyond the slider: clamped
    assert e.values["value"] == 2.0


def test_kernel_controls_have_small_grids_and_labels():
    e = nt.kernel_explorer()
    sizes = [len(c.grid()) for c in e.controls]
    assert sizes == [11, 5, 2, 2, 2, 10, 9]
    assert all(c.description for c in e.controls)


# --- the LSTM stepper ----------------------------------------------------------------------------


def test_lstm_state_is_the_trained_lstm_step_by_step():
    model, _ = nt.recall_model("LSTM")
    W, U, b = model.layers[0].get_weights()
    _, X_test, _, y_test = nt.recall_data()
    for example, index in enumerate(nt.example_indices()):
        state = nt.lstm_state(example, step=39)
        x, u = X_test[index], 16
        h, c = np.zeros(u), np.zeros(u)
        for t in range(40):  # Keras's formulas, by hand
            z = x[t] @ W + h @ U + b
            i, f, g, o = (
                sigmoid(z[:u]),
                sigmoid(z[u : 2 * u]),
                np.tanh(z[2 * u : 3 * u]),
                sigmoid(z[3 * u :]),
            )
            c = f * c + i * g
            h = o * np.tanh(c)
            for name, value in zip("ifgoch", (i, f, g, o, c, h), strict=True):
                np.testing.assert_allclose(state[name][t], value, rtol=1e-10, atol=1e-12)
        assert state["label"] == y_test[index]
        np.testing.assert_allclose(
            state["probabilities"], model.predict(X_test[index : index + 1])[0]
        )
        assert state["prediction"] == state["label"]  # the trained LSTM gets these right


def test_lstm_state_hides_the_future_and_clips_the_step():
    state = nt.lstm_state("sequence 2 (starts with B)", step=7.4)
    assert state["step"] == 7 and state["example"] == 1
    for name in "ifgoch":
        seen = state[f"{name}_seen"]
        assert np.isfinite(seen[:8]).all() and np.isnan(seen[8:]).all()
        np.testing.assert_array_equal(state[f"{name}_now"], state[name][7])
    assert nt.lstm_state(0, step=-5)["step"] == 0 and nt.lstm_state(0, step=99)["step"] == 39
    with pytest.raises(ValueError, match="unknown example"):
        nt.lstm_state("sequence 9")


def test_examples_cover_every_first_symbol():
    names = nt.example_names()
    assert len(names) == nt.N_EXAMPLES == 5
    for k, symbol in enumerate("ABCD"):
        assert names[k] == f"sequence {k + 1} (starts with {symbol})"


def test_lstm_stepper_moves_through_time():
    e = nt.lstm_stepper()
    assert "Step 0 of 39" in e.text and "with the marker" in e.text
    first = e.image.value
    e.set(step=20)
    assert e.state["step"] == 20 and "Step 20 of 39" in e.text and "distractor" in e.text
    assert e.image.value != first
    f_mean = float(np.mean(e.state["f_now"]))
    assert f"forget gate {f_mean:.2f}" in e.text
    e.set(example=nt.example_names()[3])
    assert "answers D" in e.text and "first symbol was D" in e.text
    e.reset()
    assert e.values["step"] == 0


def test_lstm_stepper_extremes_neither_crash_nor_warn():
    e = nt.lstm_stepper()
    for name in nt.example_names():
        for step, clamped in ((1000, 39), (-3, 0)):  # clamped by the slider
            e.set(example=name, step=step)
            assert e.state["step"] == clamped and f"Step {clamped} of 39" in e.text
            assert e.image.value[:4] == b"\x89PNG"
