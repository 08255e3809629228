"""Chapter 7's models and widgets: a CNN on the digits, recurrent networks on a memory task,
the kernel explorer and the LSTM stepper.

The chapter's trained models live here, not in the notebook, so that the widgets show the very
same networks. Training is seeded and cached (``functools.lru_cache``): the first call of
``train_digits_cnn`` / ``train_recall`` trains, later calls with the same arguments return the
stored weights, and ``digits_cnn`` / ``recall_model`` rebuild a model from them in milliseconds.

- ``digits_images``, ``digits_cnn`` (pure, cached): the 8×8 digits as images and the CNN.
- ``recall_data``, ``recall_model`` (pure, cached): the first-symbol task and a ``SimpleRNN``
  or ``LSTM`` trained on it, with the gradient that reaches step 0 measured every epoch.
- ``kernel_state`` (pure) and ``kernel_explorer``: one 3×3 kernel over an image, its feature
  map and the map after 2×2 max pooling.
- ``lstm_state`` (pure) and ``lstm_stepper``: the trained LSTM's gates, cell and hidden states,
  step by step through a test sequence.
"""

import functools

import numpy as np

from .. import datasets, losses
from ..callbacks import Callback
from ..conv import Conv2D, MaxPooling2D, output_length
from ..layers import Dense, Flatten
from ..model import Sequential
from ..optimizers import Adam
from ..plotting import DIVERGING, PALETTE
from ..recurrent import LSTM, SimpleRNN
from . import Dropdown, Explorer, Slider, Static, widget_factory

# --- the digits and the chapter's CNN --------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _digits_split():
    images, labels = datasets.load_digits(return_images=True)
    X = images[..., None]  # (1797, 8, 8, 1): channels last, one grey channel
    return datasets.train_test_split(X, labels, test_size=0.25, seed=0, stratify=True)


def digits_images():
    """The 8×8 digits as images with a channel axis, split 75/25 (stratified, seed 0).

    Returns
    -------
    X_train : ndarray, shape (1347, 8, 8, 1), values in [0, 1]
    X_test : ndarray, shape (450, 8, 8, 1)
    y_train, y_test : ndarray, shapes (1347,) and (450,), int64 labels 0-9
    """
    return tuple(a.copy() for a in _digits_split())


def digits_cnn_model(seed=0):
    """The chapter's CNN, untrained: 2,650 parameters.

    ``(8, 8, 1)`` → ``Conv2D(16, 3, relu)`` → ``(6, 6, 16)`` → ``MaxPooling2D(2)`` →
    ``(3, 3, 16)`` → ``Conv2D(16, 3, relu)`` → ``(1, 1, 16)`` → ``Flatten`` → ``(16,)`` →
    ``Dense(10, softmax)``.
    """
    return Sequential(
        [
            Conv2D(16, 3, activation="relu", input_shape=(8, 8, 1)),
            MaxPooling2D(2),
            Conv2D(16, 3, activation="relu"),
            Flatten(),
            Dense(10, activation="softmax"),
        ],
        seed=seed,
    )


def _compile(model, learning_rate):
    model.compile(
        optimizer=Adam(learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


@functools.lru_cache(maxsize=8)
def train_digits_cnn(seed=0, epochs=15):
    """Train ``digits_cnn_model(seed)``; returns its weights and history (cached: once per
    argument set). ``digits_cnn`` builds a model from them."""
    X_train, X_test, y_train, y_test = _digits_split()
    model = _compile(digits_cnn_model(seed), learning_rate=0.01)
    history = model.fit(
        X_train, y_train, epochs=epochs, batch_size=32, validation_data=(X_test, y_test)
    )
    return tuple(model.get_weights()), {k: tuple(v) for k, v in history.history.items()}


def digits_cnn(seed=0, epochs=15):
    """The chapter's CNN trained on the digits' training set (Adam 0.01, batches of 32).

    Trains on the first call and caches the weights; every call returns a new compiled model
    with those weights, so changing it changes nothing here.

    Returns
    -------
    model : Sequential
    history : dict of lists
        Per epoch: ``loss``, ``accuracy`` (training) and ``val_loss``, ``val_accuracy`` (test).
    """
    weights, history = train_digits_cnn(int(seed), int(epochs))
    model = _compile(digits_cnn_model(seed), learning_rate=0.01)
    model.set_weights(weights)
    return model, {k: list(v) for k, v in history.items()}


# --- the first-symbol task and the recurrent networks ---------------------------------------

SYMBOLS = "ABCD"
RECALL_LENGTH = 40


@functools.lru_cache(maxsize=4)
def _recall_split(length):
    X, y = datasets.make_recall_sequences(1200, length=length, n_symbols=len(SYMBOLS), seed=0)
    return X[:1000], X[1000:], y[:1000], y[1000:]


def recall_data(length=RECALL_LENGTH):
    """The first-symbol task: 1000 training and 200 test sequences of ``length`` steps.

    Each step is one of the symbols A-D, one-hot, plus a marker that is 1 at step 0; the label
    is the symbol at step 0 (see ``datasets.make_recall_sequences``).

    Returns
    -------
    X_train : ndarray, shape (1000, length, 5)
    X_test : ndarray, shape (200, length, 5)
    y_train, y_test : ndarray, shapes (1000,) and (200,), int64 labels 0-3
    """
    return tuple(a.copy() for a in _recall_split(int(length)))


def input_gradient_norms(model, X, y):
    """``|dL/dx_t|`` for every step ``t``, averaged over the examples: (T,).

    ``L`` is the model's cross-entropy on ``(X, y)`` (a softmax output layer is assumed). It says
    how strongly each step of the input can still move the loss: the signal that training has
    to learn from.
    """
    model.forward(X)
    dz = losses.SparseCategoricalCrossentropy(from_logits=True).gradient(y, model.layers[-1].Z)
    dX = model.backward(dz, from_z=True)  # (n, T, F)
    return np.linalg.norm(dX, axis=2).mean(axis=0)


class _GradientReach(Callback):
    """After every epoch: the gradient at step 0 over the gradient at the last step (test set)."""

    def __init__(self, X, y):
        self.X, self.y, self.reach = X, y, []

    def on_epoch_end(self, epoch, logs=None):
        norms = input_gradient_norms(self.model, self.X, self.y)
        self.reach.append(float(norms[0] / norms[-1]))


def recall_model_untrained(kind="LSTM", units=16, length=RECALL_LENGTH, seed=0):
    """``SimpleRNN(units)`` or ``LSTM(units)`` → ``Dense(4, softmax)`` for the first-symbol task."""
    layers = {"SimpleRNN": SimpleRNN, "LSTM": LSTM}
    if kind not in layers:
        raise ValueError(f"kind must be 'SimpleRNN' or 'LSTM', got {kind!r}")
    recurrent = layers[kind](units, input_shape=(length, len(SYMBOLS) + 1))
    return Sequential([recurrent, Dense(len(SYMBOLS), activation="softmax")], seed=seed)


@functools.lru_cache(maxsize=8)
def train_recall(kind="LSTM", units=16, length=RECALL_LENGTH, seed=0, epochs=15):
    """Train ``recall_model_untrained(...)``; returns its weights and history (cached: once per
    argument set). ``recall_model`` builds a model from them."""
    X_train, X_test, y_train, y_test = _recall_split(length)
    model = _compile(recall_model_untrained(kind, units, length, seed), learning_rate=0.005)
    reach = _GradientReach(X_test, y_test)
    history = model.fit(
        X_train,
        y_train,
        epochs=epochs,
        batch_size=50,
        validation_data=(X_test, y_test),
        callbacks=[reach],
    )
    logs = {k: tuple(v) for k, v in history.history.items()}
    logs["reach"] = tuple(reach.reach)
    return tuple(model.get_weights()), logs


def recall_model(kind="LSTM", units=16, length=RECALL_LENGTH, seed=0, epochs=15):
    """A ``SimpleRNN`` or ``LSTM`` trained on ``recall_data(length)`` (Adam 0.005, batches of 50).

    Trains on the first call and caches the weights; every call returns a new compiled model.

    Returns
    -------
    model : Sequential
    history : dict of lists
        Per epoch: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` and ``reach``, the
        mean ``|dL/dx_0| / |dL/dx_{T-1}|`` on the test set (``input_gradient_norms``): how much
        of the gradient gets back to the step that matters, relative to the last step.
    """
    weights, history = train_recall(kind, int(units), int(length), int(seed), int(epochs))
    model = _compile(recall_model_untrained(kind, units, length, seed), learning_rate=0.005)
    model.set_weights(weights)
    return model, {k: list(v) for k, v in history.items()}


# --- widget 1: the kernel explorer -----------------------------------------------------------

#: Hand-made 3×3 kernels. Conv2D does not flip them (cross-correlation), so e.g. "vertical edge"
#: responds positively where the image is brighter on the left than on the right.
KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box blur": np.full((3, 3), 1 / 9),
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "outline (Laplacian)": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "vertical edge": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
    "horizontal edge": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
}
N_TRAINED = 3
TRAINED = [f"trained filter {k + 1}" for k in range(N_TRAINED)]
KERNEL_CHOICES = [*KERNELS, *TRAINED]
IMAGE_CHOICES = ["digit 0", "digit 3", "digit 7", "shapes", "photo"]
ENTRIES = {
    "none": None,
    **{
        f"{row} {col}".replace("middle centre", "centre"): (r, c)
        for r, row in enumerate(["top", "middle", "bottom"])
        for c, col in enumerate(["left", "centre", "right"])
    },
}


@functools.lru_cache(maxsize=1)
def _trained_filters():
    model, _ = digits_cnn()
    K = model.layers[0].get_weights()[0][:, :, 0, :]  # (3, 3, 16)
    order = np.argsort(-np.linalg.norm(K, axis=(0, 1)), kind="stable")
    return np.moveaxis(K, -1, 0)[order]


def trained_filters():
    """The first layer's 16 kernels of the chapter's CNN, largest first (by their norm).

    Returns
    -------
    ndarray, shape (16, 3, 3)
    """
    return _trained_filters().copy()


def kernel_matrix(kernel):
    """The 3×3 kernel called ``kernel`` (a key of ``KERNELS`` or ``'trained filter k'``)."""
    if kernel in KERNELS:
        return np.array(KERNELS[kernel], dtype=float)
    if kernel in TRAINED:
        return _trained_filters()[TRAINED.index(kernel)].copy()
    raise ValueError(f"unknown kernel {kernel!r}; choose one of {KERNEL_CHOICES}")


def _shapes_image(size=24):
    """A synthetic test picture: a bright square, a ring and a diagonal bar, on black."""
    r, c = np.mgrid[0:size, 0:size]
    image = np.zeros((size, size))
    image[3:10, 3:10] = 1.0  # square: horizontal and vertical edges
    radius = np.hypot(r - 16.5, c - 16.5)
    image[(radius > 3.5) & (radius < 6)] = 1.0  # ring: edges in every direction
    image[(np.abs(r + c - 24) <= 1) & (r > 12) & (c < 11)] = 0.6  # a dimmer diagonal bar
    return image


def _sample_image(name="china.jpg"):
    """scikit-learn's sample photo ``name`` as (427, 640, 3) uint8, read from the file that
    ships with it (what ``sklearn.datasets.load_sample_image`` returns, without the 2 s import
    of ``sklearn.datasets``; no download)."""
    import importlib.util
    from pathlib import Path

    from PIL import Image

    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("the photo ships with scikit-learn: pip install scikit-learn")
    with Image.open(Path(spec.origin).parent / "datasets" / "images" / name) as image:
        return np.asarray(image)


@functools.lru_cache(maxsize=1)
def _photo():
    rgb = _sample_image("china.jpg").astype(float) / 255  # (427, 640, 3)
    grey = rgb @ [0.299, 0.587, 0.114]
    h, w = (np.array(grey.shape) // 8) * 8
    return grey[:h, :w].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3))  # (53, 80)


def image_matrix(image):
    """The picture called ``image``: a test digit (8×8), ``'shapes'`` (24×24) or ``'photo'``
    (53×80, scikit-learn's sample photo in grey, averaged over 8×8 blocks). Values in [0, 1]."""
    if image.startswith("digit "):
        digit = int(image.split()[1])
        _, X_test, _, y_test = _digits_split()
        return X_test[np.flatnonzero(y_test == digit)[0], :, :, 0].copy()
    if image == "shapes":
        return _shapes_image()
    if image == "photo":
        return _photo().copy()
    raise ValueError(f"unknown image {image!r}; choose one of {IMAGE_CHOICES}")


def kernel_state(
    kernel="vertical edge",
    image="digit 3",
    stride=1,
    padding="valid",
    relu="no",
    entry="none",
    value=1.0,
):
    """One 3×3 kernel slid over a picture with nnlib's ``Conv2D``, then 2×2 max pooling (pure).

    Parameters
    ----------
    kernel : str
        A key of ``KERNELS`` or ``'trained filter 1'`` … (the chapter's CNN, largest first).
    image : str
        One of ``IMAGE_CHOICES``.
    stride : int
    padding : {'valid', 'same'}
    relu : {'no', 'yes'}
        Apply ReLU to the feature map (as the CNN's first layer does).
    entry : str
        A key of ``ENTRIES``: which kernel entry to replace by ``value`` (``'none'``: keep it).
    value : float

    Returns
    -------
    dict
        ``image`` (H, W), ``kernel`` (3, 3), ``feature_map`` (Ho, Wo), ``pooled`` (Ho // 2,
        Wo // 2), ``padding_rows`` and ``padding_cols`` (before, after), ``argmax`` (row, col) of
        the strongest response, and the arguments.
    """
    K = kernel_matrix(kernel)
    if ENTRIES.get(entry, "missing") == "missing":
        raise ValueError(f"unknown entry {entry!r}; choose one of {list(ENTRIES)}")
    if ENTRIES[entry] is not None:
        K[ENTRIES[entry]] = float(value)
    picture = image_matrix(image)
    H, W = picture.shape
    conv = Conv2D(
        1,
        3,
        strides=int(stride),
        padding=padding,
        activation="relu" if relu == "yes" else None,
        input_shape=(H, W, 1),
    )
    conv.set_weights([K[:, :, None, None], np.zeros(1)])
    feature_map = conv(picture[None, :, :, None])
    pooled = MaxPooling2D(2)(feature_map)[0, :, :, 0]
    feature_map = feature_map[0, :, :, 0]
    return {
        "image": picture,
        "kernel": K,
        "feature_map": feature_map,
        "pooled": pooled,
        "padding_rows": output_length(H, 3, int(stride), padding)[1],
        "padding_cols": output_length(W, 3, int(stride), padding)[1],
        "argmax": tuple(
            int(i) for i in np.unravel_index(np.argmax(feature_map), feature_map.shape)
        ),
        "kernel_name": kernel,
        "image_name": image,
        "stride": int(stride),
        "padding": padding,
        "relu": relu,
    }


def _limit(array):
    """Symmetric colour limit for a signed map (never 0)."""
    return max(float(np.max(np.abs(array))), 1e-9)


def _draw_kernel(fig, state):
    from matplotlib.patches import Rectangle

    axes = fig.subplots(1, 4, width_ratios=[1, 0.6, 1, 1])
    ax_image, ax_kernel, ax_map, ax_pool = axes
    # Everything that changes is drawn above the axes' titles (z-order 3): Explorer's blitting
    # then redraws only these artists, and the titles (text is slow to draw) stay static.
    images = {
        "image": ax_image.imshow(state["image"], cmap="gray", vmin=0, vmax=1, zorder=5),
        "kernel": ax_kernel.imshow(state["kernel"], cmap=DIVERGING, zorder=5),
    }
    texts = [
        ax_kernel.text(c, r, "", ha="center", va="center", fontsize=9, zorder=6)
        for r in range(3)
        for c in range(3)
    ]
    # The maps are shown divided by their largest |value|, so the colour bar never changes
    # (a changing one would force a full redraw); the readout gives the values.
    for name, ax in (("feature_map", ax_map), ("pooled", ax_pool)):
        images[name] = ax.imshow(state[name], cmap=DIVERGING, vmin=-1, vmax=1, zorder=5)
    fig.colorbar(
        images["feature_map"], ax=[ax_map, ax_pool], shrink=0.8, label="response / max |response|"
    )
    (peak,) = ax_map.plot(
        [], [], marker="s", ms=9, mfc="none", mec="black", mew=1.5, ls="none", zorder=6
    )
    box = Rectangle((-0.5, -0.5), 3, 3, fill=False, ec=PALETTE[5], lw=2, zorder=6)  # the window
    ax_image.add_patch(box)
    for ax, title in zip(
        axes, ["image", "kernel", "feature map", "after 2×2 max pooling"], strict=True
    ):
        ax.set(xticks=[], yticks=[], title=title)
        ax.grid(False)

    def update(state):
        scale = _limit(state["feature_map"])
        for key, artist in images.items():
            data = state[key] / scale if key in ("feature_map", "pooled") else state[key]
            artist.set_data(data)
            h, w = data.shape
            artist.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
            artist.axes.set(xlim=(-0.5, w - 0.5), ylim=(h - 0.5, -0.5))
        lim = _limit(state["kernel"])
        images["kernel"].set_clim(-lim, lim)
        for text, v in zip(texts, state["kernel"].ravel(), strict=True):
            text.set_text(f"{v:.2f}".rstrip("0").rstrip(".") if v != 0 else "0")
            text.set_color("white" if abs(v) > 0.6 * lim else "black")
        r, c = state["argmax"]
        peak.set_data([c], [r])
        (top, _), (left, _) = state["padding_rows"], state["padding_cols"]
        box.set_xy((-0.5 - left, -0.5 - top))  # where the window sits for output (0, 0)
        return [*images.values(), *texts, peak, box]

    update(state)
    return update


def describe_kernel(values, state):
    """The kernel explorer's text readout: what is convolved, the sizes and the response."""
    H, W = state["image"].shape
    Ho, Wo = state["feature_map"].shape
    pad = sum(state["padding_rows"])
    fmap = state["feature_map"]
    r, c = state["argmax"]
    rows = "; ".join(" ".join(f"{v:.2g}" for v in row) for row in state["kernel"])
    relu = ", then ReLU" if state["relu"] == "yes" else ""
    return (
        f"Kernel '{state['kernel_name']}' [{rows}] slid over {state['image_name']} ({H}×{W} "
        f"pixels, shown in grey) with stride {state['stride']} and padding "
        f"'{state['padding']}'{relu}. Output height = floor(({H} + {pad} − 3) / "
        f"{state['stride']}) + 1 = {Ho}; the feature map is {Ho}×{Wo}, with values from "
        f"{fmap.min():.2f} to {fmap.max():.2f} (shown divided by the largest |value|: purple "
        f"negative, white 0, orange positive); the strongest response (black square) is at "
        f"row {r}, column {c}. The vermillion box on the image is the 3×3 window that gives "
        f"output (0, 0). After 2×2 max pooling: "
        f"{state['pooled'].shape[0]}×{state['pooled'].shape[1]}."
    )


@widget_factory
def kernel_explorer(kernel="vertical edge", image="digit 3", stride=1, padding="valid"):
    """Choose a 3×3 kernel and a picture; see the feature map and its max-pooled version.

    Returns an ``Explorer`` (display it in a notebook). No loss trace: nothing is trained. In
    the static HTML book: every kernel on every picture, with either stride and padding, with
    and without ReLU (440 states); editing an entry needs a live kernel.
    """
    controls = [
        Dropdown("kernel", KERNEL_CHOICES, kernel, "kernel"),
        Dropdown("image", IMAGE_CHOICES, image, "image"),
        Dropdown("stride", [1, 2], stride, "stride"),
        Dropdown("padding", ["valid", "same"], padding, "padding"),
        Dropdown("relu", ["no", "yes"], "no", "ReLU after"),
        Dropdown("entry", list(ENTRIES), "none", "edit kernel entry"),
        Slider("value", -2.0, 2.0, 0.5, 1.0, "new value of that entry", readout_format=".1f"),
    ]
    return Explorer(
        kernel_state,
        controls,
        _draw_kernel,
        describe=describe_kernel,
        title="A 3×3 kernel slides over an image: the feature map",
        figsize=(10, 3.0),
        trace=False,
        static=Static(
            vary=["kernel", "image", "stride", "padding", "relu"],
            note="Editing one entry of the kernel needs a live kernel.",
        ),
    )


# --- widget 2: the LSTM stepper --------------------------------------------------------------

GATE_LABELS = {
    "i": "input gate i",
    "f": "forget gate f",
    "g": "candidate g",
    "o": "output gate o",
    "c": "cell state c",
    "h": "hidden state h",
}
#: Test sequences the stepper offers: the first of each label, then one more.
N_EXAMPLES = 5


def example_indices():
    """Indices into ``recall_data()``'s test set: the first sequence of each label, then the
    fifth sequence of label A."""
    *_, y_test = _recall_split(RECALL_LENGTH)
    first = [int(np.flatnonzero(y_test == k)[0]) for k in range(len(SYMBOLS))]
    return [*first, int(np.flatnonzero(y_test == 0)[4])]


def example_names():
    """The stepper's sequences by name: ``['sequence 1 (starts with A)', ...]``."""
    *_, y_test = _recall_split(RECALL_LENGTH)
    return [
        f"sequence {k + 1} (starts with {SYMBOLS[y_test[i]]})"
        for k, i in enumerate(example_indices())
    ]


@functools.lru_cache(maxsize=16)
def _lstm_run(example):
    model, _ = recall_model("LSTM")
    _, X_test, _, y_test = _recall_split(RECALL_LENGTH)
    index = example_indices()[example]
    x = X_test[index : index + 1]
    probabilities = model.predict(x)[0]
    layer = model.layers[0]
    run = {name: getattr(layer, name)[0].copy() for name in ("i", "f", "g", "o", "c")}
    run["h"] = layer.H[0].copy()
    run["symbols"] = x[0, :, : len(SYMBOLS)].argmax(axis=1)
    run["label"] = int(y_test[index])
    run["probabilities"] = probabilities
    return run


def lstm_state(example="sequence 1", step=0):
    """The trained LSTM on one test sequence, up to ``step`` (pure; the run is cached).

    Parameters
    ----------
    example : str or int
        A name from ``example_names()`` (or its index, 0 … ``N_EXAMPLES - 1``).
    step : int
        0 … 39, clipped.

    Returns
    -------
    dict
        ``step``; ``symbols`` (T,) ints; ``label`` (the first symbol); for each of ``i``,
        ``f``, ``g``, ``o``, ``c``, ``h``: the whole run (T, units), its values at ``step``
        under ``'<name>_now'`` (units,) and under ``'<name>_seen'`` the run with the steps after
        ``step`` set to NaN (T, units); ``probabilities`` (4,): the answer after the last
        step; ``prediction``; ``example`` (its index).
    """
    names = example_names()
    if isinstance(example, str):
        if example not in names:
            raise ValueError(f"unknown example {example!r}; choose one of {names}")
        example = names.index(example)
    run = _lstm_run(int(example))
    T = len(run["symbols"])
    step = int(np.clip(round(float(step)), 0, T - 1))
    state = {"step": step, "example": int(example), "T": T, **run}
    for name in GATE_LABELS:
        state[f"{name}_now"] = run[name][step]
        shown = run[name].copy()
        shown[step + 1 :] = np.nan  # the future is not shown yet
        state[f"{name}_seen"] = shown
    state["prediction"] = int(np.argmax(run["probabilities"]))
    return state


def _draw_lstm(fig, state):
    from matplotlib.patches import Rectangle

    T, u = state["i"].shape
    grid = fig.add_gridspec(4, 3, height_ratios=[0.5, 1, 1, 1], width_ratios=[1, 1, 0.55])
    ax_seq = fig.add_subplot(grid[0, :2])
    maps = {}
    for k, name in enumerate(GATE_LABELS):
        ax = fig.add_subplot(grid[1 + k // 2, k % 2])
        gate = name in "ifo"
        limit = 1.0 if name in "ifogh" else _limit(state["c"])
        maps[name] = ax.imshow(
            state[name].T,
            cmap="viridis" if gate else DIVERGING,
            vmin=0 if gate else -limit,
            vmax=limit,
            aspect="auto",
            interpolation="nearest",
            zorder=5,  # above the title (z-order 3): Explorer redraws the map, not the title
        )
        scale = "0 dark, 1 yellow" if gate else f"purple −{limit:.2g}, white 0, orange {limit:.2g}"
        ax.set_title(f"{GATE_LABELS[name]} ({scale})", fontsize=8)
        ax.set(yticks=[], xlim=(-0.5, T - 0.5))
        ax.tick_params(labelsize=7)
        if k >= 4:
            ax.set_xlabel("step t", fontsize=8)
        if k % 2 == 0:
            ax.set_ylabel(f"{u} units", fontsize=8)
        ax.grid(False)
    cursors = [
        m.axes.axvline(state["step"], color=PALETTE[5], lw=1.5, zorder=6) for m in maps.values()
    ]
    # The steps not taken yet are hidden under an opaque veil in the axes' own colour (the maps
    # show the whole run, which changes only with the sequence: a step moves the veils alone).
    hidden = [
        m.axes.add_patch(Rectangle((0, -0.5), T, u, color=m.axes.get_facecolor(), lw=0, zorder=5.5))
        for m in maps.values()
    ]
    # The sequence as letters (static; the first, the one to remember, in bold) under a veil
    # that hides the steps not read yet: one artist to move instead of T texts to redraw.
    ax_seq.set(xlim=(-0.5, T - 0.5), ylim=(0, 1), yticks=[])
    ax_seq.set_title("the input sequence (remember the first symbol)", fontsize=9)
    ax_seq.tick_params(labelsize=7)
    ax_seq.grid(False)
    for t, symbol in enumerate(state["symbols"]):
        ax_seq.text(
            t,
            0.5,
            SYMBOLS[symbol],
            ha="center",
            va="center",
            fontsize=7,
            fontweight="bold" if t == 0 else "normal",
            zorder=1,
        )
    veil = Rectangle((0, 0), T, 1, color="white", alpha=0.75, zorder=5)
    ax_seq.add_patch(veil)
    (seq_cursor,) = ax_seq.plot(
        [], [], marker="s", ms=10, mfc="none", mec=PALETTE[5], mew=1.5, zorder=6
    )
    # Right: the mean gate values at this step, and the answer after the last step.
    ax_now = fig.add_subplot(grid[1, 2])
    now = ax_now.barh(
        range(3), [0, 0, 0], color=PALETTE[2], edgecolor="black", linewidth=0.5, zorder=5
    )
    for bar, hatch in zip(now, ["", "..", "xx"], strict=True):
        bar.set_hatch(hatch)
    ax_now.set(xlim=(0, 1), yticks=range(3), yticklabels=["i", "f", "o"])
    ax_now.invert_yaxis()
    ax_now.set_title("mean gate value at step t", fontsize=8)
    ax_now.tick_params(labelsize=8)
    ax_bar = fig.add_subplot(grid[2:, 2])
    bars = ax_bar.barh(
        range(len(SYMBOLS)),
        state["probabilities"],
        color=PALETTE[0],
        edgecolor="black",
        linewidth=0.5,
        zorder=5,
    )
    ax_bar.set(
        xlim=(0, 1), yticks=range(len(SYMBOLS)), yticklabels=list(SYMBOLS), xlabel="probability"
    )
    ax_bar.invert_yaxis()
    ax_bar.set_title("answer after the last step\n(hatched: the first symbol)", fontsize=8)
    ax_bar.tick_params(labelsize=8)

    def update(state):
        for name, artist in maps.items():
            artist.set_data(state[name].T)
        for veil_of_map in hidden:
            veil_of_map.set_x(state["step"] + 0.5)
        for cursor in cursors:
            cursor.set_xdata([state["step"], state["step"]])
        veil.set_x(state["step"] + 0.5)
        seq_cursor.set_data([state["step"]], [0.5])
        for bar, name in zip(now, "ifo", strict=True):
            bar.set_width(float(np.mean(state[f"{name}_now"])))
        for k, bar in enumerate(bars):
            bar.set_width(state["probabilities"][k])
            bar.set_hatch("//" if k == state["label"] else "")
        return [*maps.values(), *hidden, *cursors, veil, seq_cursor, *now, *bars]

    update(state)
    return update


def describe_lstm(values, state):
    """The stepper's text readout: the step, its symbol, the gates and the answer."""
    t, s = state["step"], state["symbols"][state["step"]]
    mean = {name: float(np.mean(state[f"{name}_now"])) for name in "ifo"}
    c = state["c_now"]
    p = state["probabilities"]
    return (
        f"Step {t} of {state['T'] - 1}: input symbol {SYMBOLS[s]}"
        + (" with the marker (the one to remember)" if t == 0 else " (a distractor)")
        + f". Mean over the {len(c)} units: input gate {mean['i']:.2f}, forget gate "
        f"{mean['f']:.2f}, output gate {mean['o']:.2f}; cell state from {c.min():.2f} to "
        f"{c.max():.2f}. Heat maps: one row per unit, one column per step so far. After the "
        f"last step the LSTM answers {SYMBOLS[state['prediction']]} with probability "
        f"{p.max():.2f}; the first symbol was {SYMBOLS[state['label']]} (hatched bar)."
    )


@widget_factory
def lstm_stepper(example=0, step=0):
    """Step through a test sequence with the trained LSTM: gates, cell and hidden states.

    ``example`` is an index into ``example_names()``. Returns an ``Explorer`` (display it in a
    notebook). The LSTM is ``recall_model('LSTM')``. In the static HTML book: every sequence at
    every step (200 states).
    """
    names = example_names()
    steps = list(range(RECALL_LENGTH))
    controls = [
        Dropdown("example", names, names[example], "sequence"),
        Slider(
            "step", 0, RECALL_LENGTH - 1, 1, step, "time step t", readout_format=".0f", static=steps
        ),
    ]
    return Explorer(
        lstm_state,
        controls,
        _draw_lstm,
        describe=describe_lstm,
        title="Inside the trained LSTM, one step at a time",
        figsize=(10, 6.0),
        trace=False,
    )
