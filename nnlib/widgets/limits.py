"""Chapter 9's widgets: an adversarial-examples lab and a biased-data lab.

(a) ``adversarial_state`` (pure) perturbs one test digit by ``epsilon`` per pixel, either in the
direction of the fast gradient sign method or in random directions of the same size, and reports
the class probabilities and the loss before and after; ``adversarial_explorer`` puts a dropdown
on the digit and the direction and a slider on ``epsilon``.

(b) ``bias_state`` (pure) trains a small network on a sample of ``datasets.make_population`` in
which group B makes up a chosen fraction, optionally weighting the two groups equally, and
evaluates it on the whole population, group by group; ``bias_explorer`` puts a slider on the
fraction and a dropdown on the weighting.

The trained models are seeded and cached (``functools.lru_cache`` on their weights), so a state
depends only on the control values, and every state after the first of its model is fast.
"""

import functools

import numpy as np

from .. import datasets, explain, metrics
from ..layers import Dense
from ..model import Sequential
from ..optimizers import Adam
from ..plotting import DIVERGING, MARKERS, PALETTE, PROBA_CMAP
from . import Dropdown, Explorer, Slider, widget_factory

# --------------------------------------------------------------------------------------------
# The digit classifier of chapter 9 and its test images.

#: How chapter 9 splits the 1797 digits: 1347 for training, 450 for testing, stratified.
DIGITS_SPLIT = {"test_size": 0.25, "seed": 0, "stratify": True}


@functools.lru_cache(maxsize=1)
def digits_data():
    """``X_train, X_test, y_train, y_test`` of the digits (pixels in [0, 1]), as chapter 9 splits
    them. The arrays are shared between calls: do not modify them in place."""
    X, y = datasets.load_digits()
    return datasets.train_test_split(X, y, **DIGITS_SPLIT)


def digits_model(seed=0, hidden=32):
    """The untrained classifier ``64 -> hidden ReLU -> 10 softmax``, compiled with Adam(0.01)."""
    model = Sequential(
        [Dense(hidden, activation="relu", input_shape=(64,)), Dense(10, activation="softmax")],
        seed=seed,
    )
    model.compile(
        optimizer=Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


@functools.lru_cache(maxsize=8)
def _digits_weights(seed, epochs):
    X_train, _, y_train, _ = digits_data()
    model = digits_model(seed)
    model.fit(X_train, y_train, epochs=epochs, batch_size=32)
    return tuple(model.get_weights())


def digits_classifier(seed=0, epochs=20):
    """``digits_model(seed)`` trained for ``epochs`` epochs (batch size 32) on the training set.

    The same arguments always give the same weights; training runs once per setting (about half
    a second) and is cached. Every call returns a new model, which the caller may change freely.
    """
    model = digits_model(seed)
    model.set_weights(_digits_weights(int(seed), int(epochs)))
    return model


#: The digits the adversarial lab offers: one test image of each class.
DIGIT_CHOICES = list(range(10))
#: Directions of the perturbation.
DIRECTIONS = ["adversarial (FGSM)", "random signs"]
EPSILON_MAX = 0.3


@functools.lru_cache(maxsize=1)
def lab_images(seed=0):
    """``{digit: index}``: the first test image of each digit the classifier gets right."""
    _, X_test, _, y_test = digits_data()
    predicted = digits_classifier(seed).predict(X_test).argmax(axis=1)
    right = np.flatnonzero(predicted == y_test)
    return {d: int(right[y_test[right] == d][0]) for d in DIGIT_CHOICES}


def adversarial_state(digit=3, epsilon=0.1, direction=DIRECTIONS[0], seed=0):
    """Perturb one test image of ``digit`` by ``epsilon`` per pixel and classify it again (pure).

    Parameters
    ----------
    digit : int
        Which test image: the first one of this class that the classifier gets right.
    epsilon : float
        The change of every pixel, on the pixels' 0-1 scale, before clipping to [0, 1].
    direction : str
        ``"adversarial (FGSM)"``: the sign of the loss gradient (``explain.fgsm``);
        ``"random signs"``: a random +1/-1 per pixel (seeded by the image), the same size.
    seed : int
        Which trained classifier (see ``digits_classifier``).

    Returns
    -------
    dict
        ``image``, ``perturbed``, ``perturbation`` (8, 8); ``p_before``, ``p_after`` (10,) class
        probabilities; ``loss_before``, ``loss_after`` (the cross-entropy of the true class);
        ``label``; ``pred_before``, ``pred_after``; ``max_change`` (the largest change of a
        pixel after clipping); ``index`` (of the test image) and the arguments.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; choose one of {DIRECTIONS}")
    model = digits_classifier(seed)
    _, X_test, _, y_test = digits_data()
    index = lab_images(seed)[int(digit)]
    x, label = X_test[index : index + 1], y_test[index : index + 1]
    if direction == DIRECTIONS[0]:
        x_new = explain.fgsm(model, x, label, epsilon, clip=(0.0, 1.0))
    else:
        signs = np.random.default_rng(index).choice([-1.0, 1.0], size=x.shape)
        x_new = np.clip(x + epsilon * signs, 0.0, 1.0)
    p_before, p_after = model.predict(x)[0], model.predict(x_new)[0]
    loss_before = float(model.loss.per_example(label, p_before[None])[0])
    loss_after = float(model.loss.per_example(label, p_after[None])[0])
    return {
        "image": x.reshape(8, 8),
        "perturbed": x_new.reshape(8, 8),
        "perturbation": (x_new - x).reshape(8, 8),
        "p_before": p_before,
        "p_after": p_after,
        "loss_before": loss_before,
        "loss_after": loss_after,
        "loss": loss_after,
        "label": int(label[0]),
        "pred_before": int(p_before.argmax()),
        "pred_after": int(p_after.argmax()),
        "max_change": float(np.abs(x_new - x).max()),
        "index": index,
        "digit": int(digit),
        "epsilon": float(epsilon),
        "direction": direction,
    }


def describe_adversarial(values, state):
    """The readout: what the network said before and after, and the losses."""
    label, before, after = state["label"], state["p_before"], state["p_after"]
    text = (
        f"Test image {state['index']}, a {label}. Unchanged, the network says "
        f"{state['pred_before']} with probability {before.max():.1%} (loss "
        f"{state['loss_before']:.3f}). "
    )
    if state["epsilon"] == 0:
        return text + "With epsilon = 0 nothing changes; move the slider."
    verdict = "still correct" if state["pred_after"] == label else "WRONG"
    return text + (
        f"After changing every pixel by at most {state['epsilon']:.2f} in "
        f"{state['direction']} directions (largest change after clipping to [0, 1]: "
        f"{state['max_change']:.2f}), it says {state['pred_after']} with probability "
        f"{after.max():.1%}, {verdict}; the true class {label} now gets {after[label]:.1%} and "
        f"the loss is {state['loss_after']:.3f}."
    )


def _draw_adversarial(fig, state):
    axes = fig.subplots(1, 4, width_ratios=[1, 1, 1, 1.6])
    ax_img, ax_pert, ax_adv, ax_bars = axes
    grey = dict(cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    original = ax_img.imshow(state["image"], **grey)
    perturbation = ax_pert.imshow(
        state["perturbation"],
        cmap=DIVERGING,
        vmin=-EPSILON_MAX,
        vmax=EPSILON_MAX,
        interpolation="nearest",
    )
    perturbed = ax_adv.imshow(state["perturbed"], **grey)
    fig.colorbar(perturbation, ax=ax_pert, shrink=0.6, location="bottom", label="change")
    for ax in (ax_img, ax_pert, ax_adv):
        ax.set(xticks=[], yticks=[])
        ax.grid(False)
    classes = np.arange(10)
    bars_before = ax_bars.bar(
        classes - 0.2, state["p_before"], width=0.4, color=PALETTE[0], label="before"
    )
    bars_after = ax_bars.bar(
        classes + 0.2,
        state["p_after"],
        width=0.4,
        color=PALETTE[1],
        hatch="//",
        edgecolor="black",
        linewidth=0.5,
        label="after",
    )
    ax_bars.set(
        xticks=classes,
        ylim=(0, 1.05),
        xlabel="class",
        ylabel="probability",
        title="Class probabilities",
    )
    fig.legend(handles=[bars_before, bars_after], loc="outside right upper", fontsize=8)

    def update(state):
        original.set_data(state["image"])
        perturbation.set_data(state["perturbation"])
        perturbed.set_data(state["perturbed"])
        for bar, p in zip(bars_before, state["p_before"], strict=True):
            bar.set_height(p)
        for bar, p in zip(bars_after, state["p_after"], strict=True):
            bar.set_height(p)
        before, after = state["p_before"], state["p_after"]
        ax_img.set_title(f"test image: {state['pred_before']} ({before.max():.0%})", fontsize=9)
        ax_pert.set_title(f"perturbation, epsilon {state['epsilon']:.2f}", fontsize=9)
        ax_adv.set_title(f"perturbed: {state['pred_after']} ({after.max():.0%})", fontsize=9)
        return [
            original,
            perturbation,
            perturbed,
            *bars_before,
            *bars_after,
            ax_img.title,
            ax_pert.title,
            ax_adv.title,
        ]

    update(state)
    return update


@widget_factory
def adversarial_explorer(digit=3, epsilon=0.09, direction=DIRECTIONS[0]):
    """Choose a test digit, a direction and epsilon; see the image, the change and the verdict.

    Returns an ``Explorer``. In the static HTML book: every digit, both directions and every
    epsilon of the slider (220 states).
    """

    def compute(digit, epsilon, direction):
        return adversarial_state(digit, epsilon, direction)

    controls = [
        Dropdown("digit", DIGIT_CHOICES, digit, "test image of the digit"),
        Dropdown("direction", DIRECTIONS, direction, "direction of the change"),
        Slider("epsilon", 0.0, EPSILON_MAX, 0.03, epsilon, "epsilon (change per pixel)"),
    ]
    return Explorer(
        compute,
        controls,
        _draw_adversarial,
        describe=describe_adversarial,
        title="Adversarial lab: change every pixel a little",
        figsize=(10, 3.2),
        trace=False,
    )


# --------------------------------------------------------------------------------------------
# The biased-sample lab.

#: The population: 30% belong to group B, whose label boundary lies 1 above group A's.
POPULATION = {"group_fraction": 0.3, "shift": 1.0, "noise": 0.1}
#: Rows in each training sample.
N_TRAIN = 400
#: Full-batch Adam steps per model.
STEPS = 150
WEIGHTINGS = ["as sampled", "groups weighted equally"]
GROUP_NAMES = ("group A", "group B")


@functools.lru_cache(maxsize=1)
def population():
    """``(pool, test)``: two independent draws of the population, each ``(X, y, group)``.

    Training samples are drawn from the 20000 rows of ``pool``; every model is evaluated on the
    5000 rows of ``test``, in which about 30% belong to group B, as in the population.
    """
    pool = datasets.make_population(20000, **POPULATION, seed=0)
    test = datasets.make_population(5000, **POPULATION, seed=1)
    return pool, test


def training_sample(minority_fraction, weighting=WEIGHTINGS[0], seed=0):
    """``X, y, group`` that a model of the bias lab trains on.

    ``N_TRAIN`` rows of the pool, of which a share ``minority_fraction`` belong to group B. With
    ``"groups weighted equally"`` every group-B row is repeated ``k`` times, ``k`` the whole
    number nearest to (group-A rows) / (group-B rows): for full-batch training, repeating a row
    ``k`` times is exactly giving it weight ``k`` in the mean loss.
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r}; choose one of {WEIGHTINGS}")
    (X, y, group), _ = population()
    rows = datasets.biased_sample(group, N_TRAIN, minority_fraction, seed=seed)
    X, y, group = X[rows], y[rows], group[rows]
    if weighting == WEIGHTINGS[1]:
        repeats = np.where(group == 1, _weight_of_b(int(group.sum())), 1)
        X, y, group = (np.repeat(a, repeats, axis=0) for a in (X, y, group))
    return X, y, group


def _weight_of_b(n_b):
    """How many times "groups weighted equally" counts each of ``n_b`` group-B rows (1: none)."""
    return max(1, round((N_TRAIN - n_b) / n_b)) if 0 < n_b < N_TRAIN else 1


def bias_model(seed=0):
    """The untrained network ``2 -> 16 tanh -> 1 sigmoid``, compiled with Adam(0.05)."""
    model = Sequential(
        [Dense(16, activation="tanh", input_shape=(2,)), Dense(1, activation="sigmoid")],
        seed=seed,
    )
    model.compile(optimizer=Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    return model


@functools.lru_cache(maxsize=256)
def _bias_weights(minority_fraction, weighting, seed):
    X, y, _ = training_sample(minority_fraction, weighting, seed)
    model = bias_model(seed)
    for _ in range(STEPS):
        model.train_step(X, y)
    return tuple(model.get_weights())


def trained_bias_model(minority_fraction, weighting=WEIGHTINGS[0], seed=0):
    """``bias_model(seed)`` after ``STEPS`` full-batch steps on ``training_sample(...)``, cached."""
    fraction = round(float(minority_fraction), 6)
    if _weight_of_b(round(fraction * N_TRAIN)) == 1:  # nothing to reweight: the same training
        weighting = WEIGHTINGS[0]
    model = bias_model(seed)
    model.set_weights(_bias_weights(fraction, weighting, int(seed)))
    return model


#: The square of feature space the lab draws: x1 and x2 from -4 to 4.
BIAS_BOX = (-4.0, 4.0)


def bias_state(minority_fraction=0.02, weighting=WEIGHTINGS[0], seed=0, resolution=60):
    """Train on a biased sample, evaluate on the whole population, group by group (pure).

    Parameters
    ----------
    minority_fraction : float
        Share of group B in the training sample (30% in the population).
    weighting : {"as sampled", "groups weighted equally"}
    seed : int
        Seeds the sample and the initial weights.
    resolution : int
        Points along each axis of the probability map.

    Returns
    -------
    dict
        ``groups``: ``metrics.group_metrics`` on the test population, keyed 0 (A) and 1 (B);
        ``accuracy`` (overall); ``gap`` (accuracy of A minus that of B); ``n_b`` (group-B rows in
        the sample, before any repetition); ``proba`` (resolution, resolution): P(y = 1) over
        ``grid`` = (xx, yy); ``boundary``: list of (m, 2) arrays, the 0.5 contour;
        ``X_show``, ``y_show``, ``g_show``: 400 test rows to draw; and the arguments.
    """
    import contourpy

    model = trained_bias_model(minority_fraction, weighting, seed)
    _, (X_test, y_test, g_test) = population()
    predicted = (model.predict(X_test)[:, 0] > 0.5).astype(np.int64)
    groups = metrics.group_metrics(y_test, predicted, g_test)
    X_sample, _, g_sample = training_sample(minority_fraction, WEIGHTINGS[0], seed)
    t = np.linspace(*BIAS_BOX, resolution)
    xx, yy = np.meshgrid(t, t)
    proba = model.predict(np.column_stack([xx.ravel(), yy.ravel()]))[:, 0].reshape(xx.shape)
    boundary = contourpy.contour_generator(xx, yy, proba).lines(0.5)
    return {
        "groups": groups,
        "accuracy": float(np.mean(predicted == y_test)),
        "gap": groups[0]["accuracy"] - groups[1]["accuracy"],
        "n_b": int(g_sample.sum()),
        "proba": proba,
        "grid": (xx, yy),
        "boundary": [np.asarray(line) for line in boundary],
        "X_show": X_test[:400],
        "y_show": y_test[:400],
        "g_show": g_test[:400],
        "minority_fraction": float(minority_fraction),
        "weighting": weighting,
    }


def describe_bias(values, state):
    """The readout: the sample, the per-group accuracies and rates, and the gap."""
    a, b = state["groups"][0], state["groups"][1]
    fraction = state["minority_fraction"]
    how = (
        f"Trained on {N_TRAIN} examples, {state['n_b']} of them ({fraction:.0%}) from group B "
        f"(30% of the population)"
    )
    k = _weight_of_b(state["n_b"])
    if state["weighting"] == WEIGHTINGS[1] and k > 1:
        how += f", each counted {k} times so that group B weighs about as much as group A"
    elif state["weighting"] == WEIGHTINGS[1]:
        how += " (weighting changes nothing here: the groups already weigh about the same, or "
        how += "the sample has only one group)"
    return (
        f"{how}. On the whole population: accuracy {a['accuracy']:.1%} in group A and "
        f"{b['accuracy']:.1%} in group B (gap {state['gap']:+.1%}); false-positive rate "
        f"{a['false_positive_rate']:.0%} (A) and {b['false_positive_rate']:.0%} (B); "
        f"true-positive rate {a['true_positive_rate']:.0%} (A) and "
        f"{b['true_positive_rate']:.0%} (B); selection rate "
        f"{a['selection_rate']:.0%} (A) and {b['selection_rate']:.0%} (B). Dashed lines: each "
        "group's true label boundary; solid black line: where the model's output is 0.5."
    )


def _draw_bias(fig, state):
    from matplotlib.collections import LineCollection

    axes = fig.subplots(1, 3, width_ratios=[1, 1, 1.1])
    xx, yy = state["grid"]
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    images, lines = [], []
    for g, ax in enumerate(axes[:2]):
        images.append(
            ax.imshow(
                state["proba"],
                extent=extent,
                origin="lower",
                cmap=PROBA_CMAP,
                vmin=0,
                vmax=1,
                alpha=0.6,
                aspect="auto",
                zorder=0,
            )
        )
        show = state["g_show"] == g
        for c in (0, 1):
            points = state["X_show"][show & (state["y_show"] == c)]
            ax.scatter(
                *points.T,
                s=10,
                color=PALETTE[c],
                marker=MARKERS[c],
                edgecolor="black",
                linewidth=0.3,
                zorder=2,
                label=f"label {c}" if g == 0 else None,
            )
        true_boundary = POPULATION["shift"] * g
        ax.axhline(true_boundary, color="black", ls="--", lw=1.2, zorder=3)
        lines.append(ax.add_collection(LineCollection([], colors="black", lw=2, zorder=4)))
        ax.set(
            xlim=extent[:2],
            ylim=extent[2:],
            xlabel="$x_1$",
            ylabel="$x_2$" if g == 0 else None,
            title=f"{GROUP_NAMES[g]} (test population)",
        )
    axes[0].plot([], [], color="black", ls="--", lw=1.2, label="the group's true boundary")
    axes[0].plot([], [], color="black", lw=2, label="model output = 0.5")
    ax_bars = axes[2]
    names = ["accuracy", "false-pos.\nrate", "true-pos.\nrate", "selection\nrate"]
    keys = ["accuracy", "false_positive_rate", "true_positive_rate", "selection_rate"]
    x = np.arange(len(keys))
    bars = [
        ax_bars.bar(
            x + (g - 0.5) * 0.38,
            [state["groups"][g][k] for k in keys],
            width=0.38,
            color=PALETTE[4 if g == 0 else 5],
            hatch="" if g == 0 else "xx",
            edgecolor="black",
            linewidth=0.5,
            label=GROUP_NAMES[g],
        )
        for g in (0, 1)
    ]
    ax_bars.set(xticks=x, xticklabels=names, ylim=(0, 1.15), title="Per group, on the population")
    ax_bars.tick_params(axis="x", labelsize=8)
    fig.legend(loc="outside lower center", ncols=6, fontsize=8)
    labels = [
        [
            ax_bars.text(
                bar.get_x() + bar.get_width() / 2, 0, "", ha="center", va="bottom", fontsize=7
            )
            for bar in group_bars
        ]
        for group_bars in bars
    ]

    def update(state):
        changed = []
        for image, line in zip(images, lines, strict=True):
            image.set_data(state["proba"])
            line.set_segments(state["boundary"])
            changed += [image, line]
        for g in (0, 1):
            for bar, text, k in zip(bars[g], labels[g], keys, strict=True):
                value = state["groups"][g][k]
                value = 0.0 if not np.isfinite(value) else value
                bar.set_height(value)
                text.set_position((bar.get_x() + bar.get_width() / 2, value + 0.01))
                text.set_text(f"{value:.0%}")
                changed += [bar, text]
        axes[0].set_title(
            f"{GROUP_NAMES[0]}: accuracy {state['groups'][0]['accuracy']:.0%}", fontsize=10
        )
        axes[1].set_title(
            f"{GROUP_NAMES[1]}: accuracy {state['groups'][1]['accuracy']:.0%}", fontsize=10
        )
        return changed + [axes[0].title, axes[1].title]

    update(state)
    return update


#: The shares of group B the static HTML book offers: fine where a few examples change much.
HTML_FRACTIONS = [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.14, 0.2, 0.3, 0.4, 0.5]


@widget_factory
def bias_explorer(minority_fraction=0.02, weighting=WEIGHTINGS[0]):
    """Choose how much of the training sample comes from group B, and whether to reweight.

    Returns an ``Explorer``. In the static HTML book: the shares of ``HTML_FRACTIONS`` with
    either weighting (22 states, a model trained for each).
    """

    def compute(minority_fraction, weighting):
        return bias_state(minority_fraction, weighting)

    controls = [
        Slider(
            "minority_fraction",
            0.0,
            0.5,
            0.02,
            minority_fraction,
            "share of group B in the training sample",
            continuous_update=False,
            static=HTML_FRACTIONS,
        ),
        Dropdown("weighting", WEIGHTINGS, weighting, "weighting"),
    ]
    return Explorer(
        compute,
        controls,
        _draw_bias,
        describe=describe_bias,
        title="Bias lab: who is in the training data?",
        figsize=(11, 3.8),
        trace=False,
    )
