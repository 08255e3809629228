"""Chapter 9's widgets, driven programmatically: the adversarial lab and the bias lab."""

import itertools

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from nnlib import datasets, explain, metrics  # noqa: E402
from nnlib.widgets import limits  # noqa: E402

pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py


# --- the digit classifier ---------------------------------------------------------------------


def test_digits_classifier_is_trained_deterministic_and_independent():
    X_train, X_test, y_train, y_test = limits.digits_data()
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    model = limits.digits_classifier()
    accuracy = np.mean(model.predict(X_test).argmax(axis=1) == y_test)
    assert 0.93 <= accuracy < 1.0
    model.layers[0].W.value[:] = 0.0  # a caller's change must not leak into the next model
    again = limits.digits_classifier()
    assert np.mean(again.predict(X_test).argmax(axis=1) == y_test) == accuracy
    untrained = limits.digits_model()
    untrained.fit(X_train, y_train, epochs=20, batch_size=32)  # the documented recipe
    for a, b in zip(untrained.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_lab_images_are_correctly_classified_test_images_of_each_digit():
    _, X_test, _, y_test = limits.digits_data()
    model = limits.digits_classifier()
    images = limits.lab_images()
    assert sorted(images) == list(range(10))
    for digit, index in images.items():
        assert y_test[index] == digit
        assert model.predict(X_test[index : index + 1]).argmax() == digit


# --- the adversarial lab ----------------------------------------------------------------------


def test_adversarial_state_is_fgsm_on_the_chosen_image():
    _, X_test, _, y_test = limits.digits_data()
    model = limits.digits_classifier()
    state = limits.adversarial_state(digit=5, epsilon=0.12)
    i = limits.lab_images()[5]
    expected = explain.fgsm(model, X_test[i : i + 1], y_test[i : i + 1], 0.12, clip=(0, 1))
    np.testing.assert_allclose(state["perturbed"], expected.reshape(8, 8))
    np.testing.assert_allclose(state["perturbation"], state["perturbed"] - state["image"])
    np.testing.assert_allclose(state["p_after"], model.predict(expected)[0])
    assert state["loss_after"] == pytest.approx(-np.log(state["p_after"][5]))
    assert state["max_change"] <= 0.12 + 1e-12
    assert np.all((state["perturbed"] >= 0) & (state["perturbed"] <= 1))


def test_epsilon_zero_changes_nothing():
    for direction in limits.DIRECTIONS:
        state = limits.adversarial_state(digit=2, epsilon=0.0, direction=direction)
        np.testing.assert_array_equal(state["perturbed"], state["image"])
        np.testing.assert_array_equal(state["p_after"], state["p_before"])


def test_the_adversarial_direction_hurts_far_more_than_random_signs():
    """At the same size of change, the gradient's sign raises the loss much more, and at
    epsilon = 0.3 it fools the network on every lab image while random signs rarely do."""
    fooled_adv = fooled_random = 0
    for digit in limits.DIGIT_CHOICES:
        adv = limits.adversarial_state(digit, 0.3, limits.DIRECTIONS[0])
        rnd = limits.adversarial_state(digit, 0.3, limits.DIRECTIONS[1])
        assert adv["loss_after"] > rnd["loss_after"]
        fooled_adv += adv["pred_after"] != digit
        fooled_random += rnd["pred_after"] != digit
        small = limits.adversarial_state(digit, 0.03, limits.DIRECTIONS[0])
        assert small["loss_after"] > small["loss_before"]  # even a small step raises the loss
    assert fooled_adv == 10 and fooled_random <= 5


def test_adversarial_explorer_shows_the_pure_state_and_says_what_happened():
    e = limits.adversarial_explorer()
    first = e.image.value
    e.set(digit=7, epsilon=0.21, direction=limits.DIRECTIONS[0])
    state = limits.adversarial_state(7, 0.21, limits.DIRECTIONS[0])
    np.testing.assert_allclose(e.state["p_after"], state["p_after"])
    assert e.image.value != first and e.image.value[:4] == b"\x89PNG"
    assert "a 7" in e.text and f"loss is {state['loss_after']:.3f}" in e.text
    assert ("WRONG" in e.text) == (state["pred_after"] != 7)
    e.set(epsilon=0.0)
    assert "nothing changes" in e.text
    e.reset()
    assert e.values == {"digit": 3, "epsilon": 0.09, "direction": limits.DIRECTIONS[0]}


def test_adversarial_explorer_survives_every_setting():
    e = limits.adversarial_explorer()
    for digit, direction, epsilon in itertools.product(
        limits.DIGIT_CHOICES, limits.DIRECTIONS, [0.0, 0.15, limits.EPSILON_MAX]
    ):
        e.set(digit=digit, direction=direction, epsilon=epsilon)
        assert np.all(np.isfinite(e.state["p_after"])) and np.isfinite(e.state["loss_after"])
    assert len(e.controls[2].grid()) == 11  # 0, 0.03, ..., 0.3


# --- the bias lab -----------------------------------------------------------------------------


def test_training_sample_and_its_weighting():
    X, y, group = limits.training_sample(0.05)
    assert len(X) == limits.N_TRAIN and group.sum() == 20
    Xw, yw, gw = limits.training_sample(0.05, limits.WEIGHTINGS[1])
    assert gw.sum() == 20 * 19 and (gw == 0).sum() == 380  # each B row counted 19 times
    # Repeating rows is weighting them: the mean loss on the repeated sample equals the
    # weighted mean loss on the original one.
    model = limits.bias_model()
    weights = np.where(group == 1, 19.0, 1.0)
    per_example = model.loss.per_example(y, model.predict(X))
    assert model.evaluate(Xw, yw)[0] == pytest.approx(np.sum(weights * per_example) / weights.sum())
    for fraction in (0.0, 1.0):  # one group only: nothing to weight
        plain = limits.training_sample(fraction)
        weighted = limits.training_sample(fraction, limits.WEIGHTINGS[1])
        np.testing.assert_array_equal(plain[0], weighted[0])
    with pytest.raises(ValueError, match="weighting"):
        limits.training_sample(0.1, "double")


def test_bias_state_reports_what_the_model_does_on_each_group():
    state = limits.bias_state(0.1)
    model = limits.trained_bias_model(0.1)
    _, (X_test, y_test, g_test) = limits.population()
    predicted = (model.predict(X_test)[:, 0] > 0.5).astype(int)
    expected = metrics.group_metrics(y_test, predicted, g_test)
    assert state["groups"] == expected
    assert state["gap"] == pytest.approx(expected[0]["accuracy"] - expected[1]["accuracy"])
    assert state["n_b"] == 40
    assert state["proba"].shape == (60, 60)
    for line in state["boundary"]:  # the contour really is where the output is 0.5
        p = model.predict(line)[:, 0]
        assert np.all(np.abs(p - 0.5) < 0.03)  # a 60×60 grid's interpolation: 0.015 at most


def test_too_few_group_b_examples_make_a_gap_that_representative_data_closes():
    """The measured story of section 9.4 (averaged over three seeds, so not one lucky draw)."""

    def mean_accuracies(fraction, weighting=limits.WEIGHTINGS[0]):
        states = [limits.bias_state(fraction, weighting, seed=s) for s in range(3)]
        return [np.mean([s["groups"][g]["accuracy"] for s in states]) for g in (0, 1)]

    a_none, b_none = mean_accuracies(0.0)
    a_rep, b_rep = mean_accuracies(0.3)
    a_w, b_w = mean_accuracies(0.04, limits.WEIGHTINGS[1])
    _, b_small = mean_accuracies(0.04)
    assert a_none - b_none > 0.2  # no group B at all: group A's rule is applied to everyone
    assert a_rep - b_rep < 0.5 * (a_none - b_none)  # a representative sample: much smaller gap
    assert b_w > b_small + 0.03  # weighting the few B examples up helps group B ...
    assert a_w < a_none  # ... at some cost to group A


def test_bias_explorer_shows_the_pure_state_and_survives_the_extremes():
    e = limits.bias_explorer()
    first = e.image.value
    assert "8 of them (2%)" in e.text
    e.set(minority_fraction=0.3, weighting=limits.WEIGHTINGS[1])
    state = limits.bias_state(0.3, limits.WEIGHTINGS[1])
    assert e.state["groups"] == state["groups"] and e.image.value != first
    assert f"{state['groups'][1]['accuracy']:.1%} in group B" in e.text
    assert "each counted 2 times" in e.text
    for fraction, weighting in itertools.product([0.0, 0.5], limits.WEIGHTINGS):
        e.set(minority_fraction=fraction, weighting=weighting)
        assert np.all(np.isfinite(e.state["proba"]))
    assert "changes nothing" in e.text  # 0.5 with weighting: the groups are already equal
    e.set(minority_fraction=0.0, weighting=limits.WEIGHTINGS[1])
    assert "changes nothing" in e.text and "0 of them" in e.text
    # where weighting changes nothing, it is the same model, trained once
    for fraction in (0.0, 0.5):
        a = limits.trained_bias_model(fraction, limits.WEIGHTINGS[0]).get_weights()
        b = limits.trained_bias_model(fraction, limits.WEIGHTINGS[1]).get_weights()
        for wa, wb in zip(a, b, strict=True):
            np.testing.assert_array_equal(wa, wb)
    assert len(e.controls[0].grid()) == 26


def test_population_is_the_documented_one():
    (X, y, group), (X_test, y_test, g_test) = limits.population()
    expected = datasets.make_population(5000, **limits.POPULATION, seed=1)
    np.testing.assert_array_equal(X_test, expected[0])
    assert len(X) == 20000 and abs(g_test.mean() - 0.3) < 0.02
