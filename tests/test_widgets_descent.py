"""Chapter 6's widgets: optimizers on a loss surface, and a small network in training."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from nnlib import SGD, Dense, Sequential, gradcheck  # noqa: E402
from nnlib.layers import Parameter  # noqa: E402
from nnlib.widgets.descent import (  # noqa: E402
    BATCH_SIZES,
    BOX,
    DATA,
    MAX_EPOCHS,
    MAX_STEPS,
    OPTIMIZERS,
    SURFACES,
    TRAIN_OPTIMIZERS,
    descent_explorer,
    descent_path,
    descent_state,
    make_optimizer,
    neuron_data,
    quadratic,
    toy_data,
    training_explorer,
    training_run,
)

pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py


# --- the surfaces ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SURFACES))
def test_every_surface_gradient_matches_finite_differences(name):
    s = SURFACES[name]
    for theta in ([-2.0, 2.5], [0.3, -0.7], [2.2, 1.1]):
        theta = np.array(theta)
        numeric = gradcheck.numerical_gradient(lambda t=theta: s(t), theta)
        assert gradcheck.relative_error(s.gradient(theta), numeric) < 1e-7


@pytest.mark.parametrize("name", list(SURFACES))
def test_minima_are_stationary_and_the_grid_is_vectorised(name):
    s = SURFACES[name]
    for m in s.minima:
        np.testing.assert_allclose(s.gradient(m), 0.0, atol=1e-8)
        assert np.all(np.linalg.eigvalsh(s.hessian(m)) > 0)
    t1, t2, L = s.grid(21)
    assert L.shape == (21, 21)
    assert L[3, 7] == pytest.approx(float(s((t1[7], t2[3]))), rel=1e-12)
    assert np.all(L >= s.f_min - 1e-9)


def test_neuron_surfaces_are_the_losses_of_an_nnlib_neuron():
    for kind, activation, loss in [
        ("linear", None, "mse"),
        ("logistic", "sigmoid", "binary_crossentropy"),
    ]:
        X, y = neuron_data(kind)
        s = SURFACES["linear neuron (MSE)" if kind == "linear" else "logistic neuron (BCE)"]
        model = Sequential([Dense(1, activation=activation, input_shape=(1,))], seed=0)
        model.compile(optimizer="sgd", loss=loss)
        for w, b in [(-1.5, 2.0), (0.7, -0.3), (2.5, 2.5)]:
            model.set_weights([np.array([[w]]), np.array([b])])
            assert s((w, b)) == pytest.approx(model.evaluate(X, y), rel=1e-10)
            model.compute_gradients(X, y)
            grad = [model.layers[0].W.grad[0, 0], model.layers[0].b.grad[0]]
            np.testing.assert_allclose(s.gradient(np.array([w, b])), grad, rtol=1e-10)


def test_the_linear_neuron_minimum_is_least_squares_and_the_threshold_is_2_over_lambda_max():
    X, y = neuron_data("linear")
    A = np.column_stack([X, np.ones(len(X))])
    s = SURFACES["linear neuron (MSE)"]
    np.testing.assert_allclose(s.minimum, np.linalg.lstsq(A, y[:, 0], rcond=None)[0], atol=1e-8)
    H = 2 / len(A) * A.T @ A
    assert s.threshold() == pytest.approx(2 / np.linalg.eigvalsh(H).max(), rel=1e-6)
    assert SURFACES["ill-conditioned quadratic"].threshold() == pytest.approx(2 / 25, rel=1e-6)


def test_two_minima_has_a_deeper_left_valley():
    s = SURFACES["two minima"]
    assert len(s.minima) == 2
    left, right = sorted(s.minima, key=lambda m: m[0])
    assert left[0] < -1 < 0.9 < right[0] < 1
    np.testing.assert_allclose(s.minimum, left)
    np.testing.assert_allclose(SURFACES["Rosenbrock"].minimum, [1.0, 1.0], atol=1e-10)


# --- descent_path ------------------------------------------------------------------------------


def test_gradient_descent_on_the_quadratic_is_the_closed_form():
    lam = np.array([1.0, 25.0])
    for lr in (0.01, 0.05, 0.079):
        run = descent_path(
            "ill-conditioned quadratic", "gradient descent", lr, start=(2, 1), steps=50
        )
        t = np.arange(51)[:, None]
        np.testing.assert_allclose(
            run["path"], np.array([2.0, 1.0]) * (1 - lr * lam) ** t, rtol=1e-10, atol=1e-300
        )
        np.testing.assert_allclose(run["losses"], 0.5 * np.sum(lam * run["path"] ** 2, axis=1))
        assert not run["diverged"] and run["steps"] == 50


def test_past_the_threshold_the_path_diverges_and_stops_without_a_warning():
    run = descent_path(
        "ill-conditioned quadratic", "gradient descent", 0.081, start=(2, 1), steps=2000
    )
    assert run["diverged"] and run["steps"] < 2000
    assert np.abs(run["path"][-1]).max() >= 100 and np.all(np.isfinite(run["losses"]))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_descent_path_uses_nnlibs_optimizers(optimizer):
    s = SURFACES["Rosenbrock"]
    p, opt = Parameter(np.array([-1.5, 2.5]), "theta"), make_optimizer(optimizer, 1e-3, 0.8)
    path = [p.value.copy()]
    for _ in range(30):
        p.grad = s.gradient(p.value)
        opt.step([p])
        path.append(p.value.copy())
    run = descent_path(s, optimizer, 1e-3, 0.8, (-1.5, 2.5), 30)
    np.testing.assert_allclose(run["path"], path, rtol=1e-14)


def test_momentum_is_ignored_by_gradient_descent_and_is_adams_beta_1():
    a = descent_path("two minima", "gradient descent", 0.02, 0.0, (2.5, 1.5), 40)
    b = descent_path("two minima", "gradient descent", 0.02, 0.95, (2.5, 1.5), 40)
    np.testing.assert_array_equal(a["path"], b["path"])
    assert make_optimizer("adam", 0.1, 0.7).beta_1 == 0.7
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_optimizer("rmsprop", 0.1)


def test_a_schedule_works_as_the_learning_rate():
    from nnlib.schedules import PiecewiseConstantDecay

    schedule = PiecewiseConstantDecay([4], [0.05, 0.01])
    run = descent_path(
        "ill-conditioned quadratic", "gradient descent", schedule, start=(2, 1), steps=10
    )
    lam = np.array([1.0, 25.0])
    theta = np.array([2.0, 1.0])
    for t in range(10):
        theta = theta - schedule(t) * lam * theta
    np.testing.assert_allclose(run["path"][-1], theta, rtol=1e-12)


def test_adam_ignores_the_scale_of_the_loss():
    a = descent_path(quadratic((1.0, 25.0)), "adam", 0.1, 0.9, (-2.5, 1.5), 100)
    b = descent_path(quadratic((1000.0, 25000.0)), "adam", 0.1, 0.9, (-2.5, 1.5), 100)
    np.testing.assert_allclose(a["path"], b["path"], atol=1e-6)


# --- the descent explorer ------------------------------------------------------------------------


def test_descent_explorer_shows_what_the_pure_function_computes():
    e = descent_explorer()
    settings = dict(
        surface="Rosenbrock",
        optimizer="momentum",
        lr=1e-3,
        momentum=0.9,
        x0=-1.5,
        y0=2.5,
        steps=150,
    )
    e.set(**settings)
    expected = descent_path("Rosenbrock", "momentum", 1e-3, 0.9, (-1.5, 2.5), 150)
    np.testing.assert_allclose(e.state["path"], expected["path"], rtol=1e-12)
    assert e.state["loss"] == pytest.approx(expected["losses"][-1])
    np.testing.assert_allclose(e.state["gap"], descent_state(**settings)["gap"], rtol=1e-12)
    assert "Rosenbrock: momentum with learning rate 0.001 and momentum 0.90" in e.text
    assert f"loss {expected['losses'][-1]:.4g}" in e.text


def test_descent_explorer_reports_divergence_and_local_minima():
    e = descent_explorer()
    e.set(
        surface="ill-conditioned quadratic", optimizer="gradient descent", lr=0.09, x0=-2.5, y0=1.5
    )
    assert e.state["diverged"] and e.state["loss"] == np.inf
    assert "Diverged" in e.text and "2/lambda_max = 0.08" in e.text
    e.set(surface="two minima", lr=0.02, x0=2.5, y0=1.5, steps=200)
    assert "LOCAL minimum at (0.96, " in e.text
    e.set(optimizer="momentum", momentum=0.9)
    assert "global minimum at (-1.04, " in e.text


def test_every_control_changes_the_picture():
    e = descent_explorer()
    for name, value in dict(
        surface="two minima", optimizer="adam", lr=0.3, momentum=0.5, x0=1.0, y0=-2.0, steps=30
    ).items():
        before = e.image.value
        e.set(**{name: value})
        assert e.image.value != before, name


def test_descent_explorer_extremes_neither_crash_nor_warn():
    e = descent_explorer()
    sliders = {
        "lr": (1e-4, 3.0),
        "momentum": (0.0, 0.99),
        "x0": BOX,
        "y0": BOX,
        "steps": (10, MAX_STEPS),
    }
    for surface in SURFACES:
        for optimizer in OPTIMIZERS:
            e.set(surface=surface, optimizer=optimizer)
            for name, (low, high) in sliders.items():
                for value in (low, high):
                    e.set(**{name: value})
                    assert e.values[name] == pytest.approx(value)
                    _assert_readout_matches_run(e)
            e.set(lr=3.0, momentum=0.99, x0=BOX[1], y0=BOX[0], steps=MAX_STEPS)
            _assert_readout_matches_run(e)
            e.reset()


def _assert_readout_matches_run(e):
    """The readout says "Diverged" exactly when the run diverged, and then the loss is inf and
    the run stopped early; otherwise every loss is finite and every step was taken."""
    state = e.state
    assert ("Diverged:" in e.text) == state["diverged"], e.text
    if state["diverged"]:
        assert state["loss"] == float("inf") and state["steps"] <= e.values["steps"]
        assert f"after {state['steps']} steps" in e.text
    else:
        assert np.all(np.isfinite(state["losses"])) and state["loss"] == state["losses"][-1]
        assert state["steps"] == int(e.values["steps"])
        assert f"After {state['steps']} steps" in e.text


# --- training_run ------------------------------------------------------------------------------


def test_toy_data_splits_200_points_into_160_and_40():
    for name in DATA:
        X_train, X_val, y_train, y_val = toy_data(name)
        assert X_train.shape == (160, 2) and X_val.shape == (40, 2)
        assert set(np.unique(y_train)) == set(range(2 if name == "moons" else 3))


def test_training_run_is_fit_with_these_settings():
    from nnlib.widgets.descent import training_model

    run = training_run("moons", "sgd", 0.3, 16, 12)
    X_train, X_val, y_train, y_val = toy_data("moons")
    model = training_model("moons", "sgd", 0.3)
    history = model.fit(X_train, y_train, epochs=12, batch_size=16, validation_data=(X_val, y_val))
    np.testing.assert_allclose(run["loss"], history.history["loss"], rtol=1e-12)
    np.testing.assert_allclose(run["val_loss"], history.history["val_loss"], rtol=1e-12)
    assert run["epochs_run"] == 12 and run["updates"] == 12 * 10 and not run["diverged"]
    xx, yy = run["grid"]  # the regions shown: the trained model's class at every grid point
    out = model.predict(np.column_stack([xx.ravel(), yy.ravel()]))
    np.testing.assert_array_equal(run["regions"], (out[:, 0] > 0.5).reshape(xx.shape))
    assert set(np.unique(run["regions"])) == {0, 1}
    assert isinstance(model.optimizer, SGD) and model.optimizer.momentum == 0


def test_training_run_is_the_same_whether_extended_or_fresh():
    from nnlib.widgets import descent

    descent._CHECKPOINTS.clear()
    fresh = training_run("spiral", "adam", 0.01, 16, 25)
    descent._CHECKPOINTS.clear()
    for epochs in (10, 20, 25):
        extended = training_run("spiral", "adam", 0.01, 16, epochs)
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        np.testing.assert_array_equal(extended[key], fresh[key])
    np.testing.assert_array_equal(extended["regions"], fresh["regions"])
    shorter = training_run("spiral", "adam", 0.01, 16, 15)  # back from the cache
    np.testing.assert_array_equal(shorter["loss"], fresh["loss"][:15])


def test_full_batch_is_one_update_per_epoch():
    run = training_run("moons", "sgd", 0.5, 0, 20)
    assert run["updates"] == 20


# --- the training explorer -----------------------------------------------------------------------


def test_train_button_adds_ten_epochs_and_the_loss_falls():
    e = training_explorer()
    assert e.state["epochs_run"] == 0 and "not trained yet" in e.text
    before = e.image.value
    e.run("Train 10 epochs")
    e.run("Train 10 epochs")
    assert e.values["epochs"] == 20 and e.state["epochs_run"] == 20
    expected = training_run("moons", "adam", 0.01, 16, 20)
    np.testing.assert_allclose(e.state["loss"], expected["loss"])
    assert e.state["loss"][-1] < 0.6 * e.state["loss"][0] and e.image.value != before
    assert f"training loss is {expected['loss'][-1]:.3f}" in e.text
    assert "after 20 epochs (200 updates)" in e.text


def test_a_huge_learning_rate_is_reported():
    e = training_explorer()
    e.set(optimizer="sgd", lr=10.0, epochs=30)
    assert "worse than guessing" in e.text


def _assert_training_readout(e, lr):
    """10 epochs trained, or a divergence the readout reports; at lr 10 the readout warns."""
    state = e.state
    assert ("DIVERGED" in e.text) == state["diverged"], e.text
    if not state["diverged"]:
        assert state["epochs_run"] == 10 and np.all(np.isfinite(state["loss"]))
        assert "after 10 epochs" in e.text
    if lr == 10.0:
        assert "worse than guessing" in e.text or state["diverged"], e.text


@pytest.mark.parametrize("data", DATA)
def test_training_explorer_extremes_neither_crash_nor_warn(data):
    e = training_explorer(data=data)
    for optimizer in TRAIN_OPTIMIZERS:
        for lr in (1e-3, 10.0):
            for _, batch_size in BATCH_SIZES[1:]:  # batch 4 is the slowest: tested once below
                e.set(optimizer=optimizer, lr=lr, batch_size=batch_size, epochs=10)
                _assert_training_readout(e, lr)
    e.set(optimizer="sgd", lr=10.0, batch_size=4, epochs=0)
    e.run("Train 10 epochs")
    _assert_training_readout(e, 10.0)
    e.set(epochs=MAX_EPOCHS, batch_size=0)
    e.run("Train 10 epochs")  # at the maximum: stays there
    assert e.values["epochs"] == MAX_EPOCHS
