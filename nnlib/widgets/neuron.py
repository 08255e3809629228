"""Chapter 1's widget: one neuron ``a = f(w1 x1 + w2 x2 + b)`` on a 2-D data set.

``neuron_state`` (pure) computes the loss, the accuracy and the output over the plane for given
weights; ``neuron_train`` (pure) runs gradient descent from given weights; ``neuron_explorer``
puts sliders on both.
"""

import numpy as np

from .. import datasets
from ..layers import Dense
from ..model import Sequential
from ..optimizers import SGD
from ..plotting import PALETTE, PROBA_CMAP, grid_2d, scatter_classes
from . import Action, Dropdown, Explorer, Slider, Static, widget_factory

ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear"]
# Output 0.5 means "on the fence"; this is the pre-activation z where f(z) = 0.5.
THRESHOLD_Z = {"sigmoid": 0.0, "tanh": float(np.arctanh(0.5)), "relu": 0.5, "linear": 0.5}


def loss_name(activation):
    """A sigmoid neuron is logistic regression (cross-entropy); the others use squared error."""
    return "binary_crossentropy" if activation == "sigmoid" else "mse"


def neuron_model(w1, w2, b, activation):
    """A compiled one-neuron ``Sequential`` model with the given weights."""
    model = Sequential([Dense(1, activation=activation, input_shape=(2,))])
    model.set_weights([np.array([[w1], [w2]], dtype=float), np.array([b], dtype=float)])
    model.compile(optimizer="sgd", loss=loss_name(activation), metrics=["accuracy"])
    return model


def example_data(seed=0):
    """The chapter's data: two overlapping Gaussian clouds, 100 points, labels 0/1."""
    return datasets.make_blobs(
        n_samples=100, centers=[[-1.0, -0.6], [1.0, 0.8]], cluster_std=0.8, seed=seed
    )


def neuron_state(w1, w2, b, activation, X, y, resolution=60):
    """Loss, accuracy and the neuron's output over the plane (pure).

    Returns
    -------
    dict
        ``loss`` (float), ``accuracy`` (float), ``surface`` (resolution, resolution) outputs over
        ``grid`` = (xx, yy), and the weights.
    """
    model = neuron_model(w1, w2, b, activation)
    loss, accuracy = model.evaluate(X, y)
    xx, yy, points = grid_2d(X, resolution=resolution, margin=0.8)
    surface = model.predict(points).reshape(xx.shape)
    return {
        "loss": float(loss),
        "accuracy": float(accuracy),
        "surface": surface,
        "grid": (xx, yy),
        "w1": w1,
        "w2": w2,
        "b": b,
        "activation": activation,
    }


def neuron_train(w1, w2, b, activation, X, y, learning_rate=0.5, steps=25):
    """Run ``steps`` full-batch gradient-descent steps from the given weights (pure).

    Returns
    -------
    (w1, w2, b), losses
        The final weights and the loss before each step. Stops early, keeping the last weights,
        if the loss stops being finite (a learning rate too large makes it diverge).
    """
    model = neuron_model(w1, w2, b, activation)
    model.compile(optimizer=SGD(learning_rate), loss=loss_name(activation), metrics=["accuracy"])
    losses = []
    for _ in range(steps):
        before = model.get_weights()
        losses.append(model.train_step(X, y))
        if not np.all([np.isfinite(w).all() for w in model.get_weights()]) or not np.isfinite(
            losses[-1]
        ):
            model.set_weights(before)
            break
    W, bias = model.get_weights()
    return (float(W[0, 0]), float(W[1, 0]), float(bias[0])), losses


def _line(w1, w2, b, z, xlim, ylim):
    """Points of the line ``w1 x1 + w2 x2 + b = z`` across the plotting window."""
    if abs(w2) >= abs(w1) and w2 != 0:
        x1 = np.array(xlim)
        return x1, (z - b - w1 * x1) / w2
    if w1 != 0:
        x2 = np.array(ylim)
        return (z - b - w2 * x2) / w1, x2
    return np.array([]), np.array([])


def _draw(X, y):
    def draw(fig, state):
        ax = fig.subplots()
        xx, yy = state["grid"]
        extent = (xx.min(), xx.max(), yy.min(), yy.max())
        image = ax.imshow(
            state["surface"],
            extent=extent,
            origin="lower",
            cmap=PROBA_CMAP,
            vmin=0,
            vmax=1,
            alpha=0.75,
            aspect="auto",
        )
        fig.colorbar(image, ax=ax, label="neuron output (clipped to 0–1)")
        scatter_classes(X, y, ax=ax, labels=["class 0", "class 1"], legend=False)
        (line,) = ax.plot([], [], color="black", lw=2, label="output = 0.5")
        (normal,) = ax.plot(
            [], [], color=PALETTE[5], lw=2.5, marker=">", markevery=[1], label="weight vector w"
        )
        ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="$x_1$", ylabel="$x_2$")
        fig.legend(loc="outside lower center", ncols=4, fontsize=8)  # outside: stays static

        def update(state):
            image.set_data(state["surface"])
            w1, w2, b = state["w1"], state["w2"], state["b"]
            line.set_data(
                *_line(w1, w2, b, THRESHOLD_Z[state["activation"]], extent[:2], extent[2:])
            )
            norm = np.hypot(w1, w2)
            if norm > 0:  # w is perpendicular to the line and points to where the output grows
                start = np.array([0.0, 0.0])
                end = start + 1.2 * np.array([w1, w2]) / norm
                normal.set_data([start[0], end[0]], [start[1], end[1]])
            else:
                normal.set_data([], [])
            ax.set_title(f"loss {state['loss']:.3f} · accuracy {state['accuracy']:.0%}")
            return [image, line, normal, ax.title]

        update(state)
        return update

    return draw


#: The weights and biases the static HTML book offers (7 x 7 x 5 settings per activation).
HTML_WEIGHTS = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]
HTML_BIASES = [-2.0, -1.0, 0.0, 1.0, 2.0]


@widget_factory
def neuron_explorer(X=None, y=None, w1=0.5, w2=-1.0, b=0.0, activation="sigmoid"):
    """Sliders for ``w1``, ``w2``, ``b`` and the activation; a button trains by gradient descent.

    Returns an ``Explorer``; display it (or its ``.widget``) in a notebook. In the static HTML
    book the sliders offer ``HTML_WEIGHTS`` and ``HTML_BIASES``.
    """
    if X is None:
        X, y = example_data()

    def compute(w1, w2, b, activation):
        return neuron_state(w1, w2, b, activation, X, y)

    def train(values, settings):
        (w1, w2, b), losses = neuron_train(
            **values, X=X, y=y, learning_rate=settings["learning_rate"], steps=25
        )
        return {"w1": w1, "w2": w2, "b": b}, losses

    def describe(values, state):
        loss = state["loss"]
        loss_text = f"{loss:.4f}" if np.isfinite(loss) else f"{loss} (diverged)"
        return (
            f"w1 = {values['w1']:.2f}, w2 = {values['w2']:.2f}, b = {values['b']:.2f}, "
            f"{values['activation']} neuron: {loss_name(values['activation'])} loss = "
            f"{loss_text}, accuracy = {state['accuracy']:.0%}. The black line is where the "
            f"output crosses 0.5; the arrow (the weights) points to where the output grows."
        )

    controls = [
        Slider("w1", -10, 10, 0.1, w1, "weight w1", static=HTML_WEIGHTS),
        Slider("w2", -10, 10, 0.1, w2, "weight w2", static=HTML_WEIGHTS),
        Slider("b", -10, 10, 0.1, b, "bias b", static=HTML_BIASES),
        Dropdown("activation", ACTIVATIONS, activation, "activation"),
    ]
    lr = Slider("learning_rate", 0.01, 10, 0.1, 0.5, "learning rate", log=True)
    return Explorer(
        compute,
        controls,
        _draw(X, y),
        describe=describe,
        actions=[Action("Train 25 steps", train, settings=[lr])],
        title="One neuron: drag the weights, watch the loss",
        static=Static(budget=1000),
    )
