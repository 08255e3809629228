"""Tests for nnlib.validation: k-fold indices (exact partitions, stratified, seeded, as
scikit-learn's) and cross_validate (a fresh model per fold, the same numbers as by hand)."""

import numpy as np
import pytest
from sklearn.model_selection import KFold

from nnlib import Adam, Dense, EarlyStopping, Sequential, datasets
from nnlib.validation import cross_validate, kfold_indices

pytestmark = pytest.mark.filterwarnings("error")


# --- kfold_indices ------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "k"), [(10, 2), (10, 3), (23, 5), (100, 10), (7, 7)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_folds_partition_the_data_exactly(n, k, shuffle):
    folds = kfold_indices(n, k, shuffle=shuffle, seed=0)
    assert len(folds) == k
    val = np.concatenate([v for _, v in folds])
    np.testing.assert_array_equal(np.sort(val), np.arange(n))  # each index once
    sizes = [len(v) for _, v in folds]
    assert max(sizes) - min(sizes) <= 1 and sorted(sizes, reverse=True) == sizes
    for train, v in folds:
        np.testing.assert_array_equal(np.sort(np.concatenate([train, v])), np.arange(n))
        assert not set(train) & set(v)
        assert train.dtype == v.dtype == np.int64
        assert np.all(np.diff(train) > 0) and np.all(np.diff(v) > 0)  # sorted


@pytest.mark.parametrize(("n", "k"), [(10, 3), (23, 5), (101, 10)])
def test_unshuffled_folds_are_scikit_learns(n, k):
    ours = kfold_indices(n, k, shuffle=False)
    theirs = list(KFold(n_splits=k).split(np.zeros(n)))
    for (train, val), (train_sk, val_sk) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(val, val_sk)
        np.testing.assert_array_equal(train, train_sk)


def test_folds_are_reproducible_and_shuffled():
    a, b, c = (kfold_indices(50, 5, seed=s) for s in (1, 1, 2))
    for (_, va), (_, vb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(va, vb)
    assert any(not np.array_equal(va, vc) for (_, va), (_, vc) in zip(a, c, strict=True))
    assert not np.array_equal(a[0][1], np.arange(10))  # not the first block


@pytest.mark.parametrize("shuffle", [True, False])
def test_stratified_folds_give_every_class_its_share(shuffle):
    rng = np.random.default_rng(0)
    y = rng.choice(3, size=103, p=[0.6, 0.3, 0.1])
    k = 5
    folds = kfold_indices(len(y), k, shuffle=shuffle, seed=0, y=y)
    counts = np.array([np.bincount(y[v], minlength=3) for _, v in folds])  # (k, classes)
    n_c = np.bincount(y)
    assert np.all(counts >= n_c // k) and np.all(counts <= -(-n_c // k))
    np.testing.assert_array_equal(counts.sum(axis=0), n_c)
    sizes = counts.sum(axis=1)
    assert sizes.max() - sizes.min() <= 1
    # Without stratification some fold's class shares are typically further off.
    plain = kfold_indices(len(y), k, seed=0)
    plain_counts = np.array([np.bincount(y[v], minlength=3) for _, v in plain])
    assert np.abs(plain_counts - n_c / k).max() > np.abs(counts - n_c / k).max()


def test_kfold_rejects_bad_arguments():
    with pytest.raises(ValueError, match="2 <= k <= n"):
        kfold_indices(5, 6)
    with pytest.raises(ValueError, match="2 <= k <= n"):
        kfold_indices(5, 1)
    with pytest.raises(ValueError, match="n must be"):
        kfold_indices(1, 2)
    with pytest.raises(ValueError, match=r"y must have shape \(10,\)"):
        kfold_indices(10, 2, y=np.zeros(9))


# --- cross_validate -----------------------------------------------------------------------------


def moons(n=120, seed=0):
    return datasets.make_moons(n, noise=0.25, seed=seed)


class Builder:
    """A build_model that counts its calls."""

    def __init__(self, hidden=8):
        self.hidden, self.calls = hidden, 0

    def __call__(self):
        self.calls += 1
        model = Sequential(
            [Dense(self.hidden, activation="tanh", input_shape=(2,)), Dense(1, "sigmoid")], seed=0
        )
        model.compile(optimizer=Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
        return model


def test_cross_validate_trains_a_fresh_model_per_fold_and_matches_doing_it_by_hand():
    X, y = moons()
    build = Builder()
    fit_kwargs = {"epochs": 30, "batch_size": 32}
    scores = cross_validate(build, X, y, k=4, fit_kwargs=fit_kwargs, seed=3, metric="accuracy")
    assert build.calls == 4
    assert set(scores) == {
        "train_loss",
        "val_loss",
        "epochs",
        "train_accuracy",
        "val_accuracy",
    }
    assert all(v.shape == (4,) for v in scores.values())
    np.testing.assert_array_equal(scores["epochs"], 30)
    for i, (train, val) in enumerate(kfold_indices(len(X), 4, seed=3)):
        model = Builder()()
        model.fit(X[train], y[train], validation_data=(X[val], y[val]), **fit_kwargs)
        loss, accuracy = model.evaluate(X[val], y[val])
        assert scores["val_loss"][i] == pytest.approx(loss, rel=1e-12)
        assert scores["val_accuracy"][i] == pytest.approx(accuracy, rel=1e-12)
        assert scores["train_loss"][i] == pytest.approx(model.evaluate(X[train], y[train])[0])
    assert np.all(scores["val_accuracy"] > 0.75)  # it learned something in every fold
    again = cross_validate(Builder(), X, y, k=4, fit_kwargs=fit_kwargs, seed=3, metric="accuracy")
    np.testing.assert_array_equal(again["val_loss"], scores["val_loss"])


def test_cross_validate_stratifies_takes_callable_metrics_and_early_stopping():
    X, y = moons(90)

    def error_rate(y_true, y_pred):
        return float(np.mean((y_pred[:, 0] > 0.5) != y_true))

    stopper = EarlyStopping(patience=10)
    scores = cross_validate(
        Builder(32),
        X,
        y,
        k=3,
        fit_kwargs={"epochs": 300, "batch_size": 60, "callbacks": [stopper]},
        seed=0,
        stratify=True,
        metric=error_rate,
    )
    assert np.all(scores["epochs"] < 300)  # early stopping acted in every fold
    assert "val_error_rate" in scores and scores["val_error_rate"].mean() < 0.3
    # The folds were the stratified ones: fold 0 by hand gives the same numbers.
    train, val = kfold_indices(len(X), 3, seed=0, y=y)[0]
    model = Builder(32)()
    history = model.fit(
        X[train],
        y[train],
        epochs=300,
        batch_size=60,
        validation_data=(X[val], y[val]),
        callbacks=[EarlyStopping(patience=10)],
    )
    assert len(history.epoch) == scores["epochs"][0]
    assert error_rate(y[val], model.predict(X[val])) == scores["val_error_rate"][0]


def test_cross_validate_rejects_its_own_validation_data():
    X, y = moons(20)
    with pytest.raises(ValueError, match="validation_data"):
        cross_validate(Builder(), X, y, fit_kwargs={"validation_data": (X, y)})
    with pytest.raises(ValueError, match="different lengths"):
        cross_validate(Builder(), X, y[:10])
