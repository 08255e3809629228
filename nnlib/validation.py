"""k-fold cross-validation: every example is used for validation exactly once.

The data is cut into ``k`` folds of (almost) equal size. Each fold in turn is the validation set
and the other ``k - 1`` folds are the training set, so ``k`` models are trained and ``k`` scores
come back. Their mean estimates how well the *recipe* (architecture, hyperparameters, training)
generalises; their spread says how much that estimate can be trusted.
"""

import numpy as np

from . import metrics as metrics_module


def kfold_indices(n, k=5, shuffle=True, seed=None, y=None):
    """Split ``range(n)`` into ``k`` folds; return the ``(train, validation)`` index pairs.

    Parameters
    ----------
    n : int
        Number of examples.
    k : int
        Number of folds, ``2 <= k <= n``.
    shuffle : bool
        Shuffle before splitting (otherwise fold ``i`` is a contiguous block, or with ``y`` the
        classes are dealt out in their stored order).
    seed : int, numpy Generator or None
        Seeds the shuffling.
    y : array_like of int, shape (n,), optional
        Class labels: if given, the folds are **stratified**: each class is dealt out to the
        folds in turn, so every fold holds ``floor`` or ``ceil`` of ``n_c / k`` examples of each
        class ``c`` (as scikit-learn's ``StratifiedKFold``). A class with fewer than ``k``
        examples cannot appear in every fold.

    Returns
    -------
    list of (ndarray, ndarray)
        ``k`` pairs ``(train_idx, val_idx)`` of sorted int64 indices. The validation sets are
        disjoint, cover ``range(n)`` exactly, and differ in size by at most one; each training
        set is the complement of its validation set.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"kfold_indices: n must be an integer >= 2, got {n!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= n:
        raise ValueError(f"kfold_indices: k must be an integer with 2 <= k <= n = {n}, got {k!r}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n) if shuffle else np.arange(n)
    if y is None:
        fold = np.empty(n, dtype=np.int64)
        fold[order] = np.repeat(np.arange(k), np.full(k, n // k) + (np.arange(k) < n % k))
    else:
        labels = np.asarray(y)
        if labels.shape != (n,):
            raise ValueError(f"kfold_indices: y must have shape ({n},), got {labels.shape}")
        # Sort by class (stably, so each class keeps the shuffled order), then deal the sorted
        # list out to the folds like cards: 0, 1, ..., k-1, 0, 1, ...
        by_class = order[np.argsort(labels[order], kind="stable")]
        fold = np.empty(n, dtype=np.int64)
        fold[by_class] = np.arange(n) % k
    everything = np.arange(n)
    return [(everything[fold != i], everything[fold == i]) for i in range(k)]


def cross_validate(build_model, X, y, k=5, fit_kwargs=None, seed=None, stratify=False, metric=None):
    """Train a fresh model on each of ``k`` folds and score it on the held-out fold.

    Parameters
    ----------
    build_model : callable
        ``build_model()`` returns a new, compiled model (seed it inside for reproducible
        results). It is called once per fold, so no fold sees another fold's training.
    X : ndarray, shape (n_samples, ...)
    y : ndarray, shape (n_samples, ...)
    k : int
        Number of folds.
    fit_kwargs : dict, optional
        Passed to ``model.fit`` (``epochs``, ``batch_size``, ``callbacks``...). The validation
        data is the held-out fold; an ``EarlyStopping`` callback therefore stops on it, which
        makes that fold's score optimistic (it helped choose the epoch).
    seed : int, numpy Generator or None
        Seeds the split into folds.
    stratify : bool
        Stratified folds: ``y`` must hold integer class labels of shape (n_samples,).
    metric : str or callable, optional
        Also score each fold with this metric: a name such as ``"accuracy"`` (resolved against
        the model's loss, as ``compile`` does) or ``fn(y_true, y_pred) -> float``.

    Returns
    -------
    dict of ndarray, each of shape (k,)
        ``train_loss`` and ``val_loss`` (``model.evaluate`` after training, in predict mode,
        including any weight penalties as Keras reports them), ``epochs`` (epochs trained,
        fewer than asked if a callback stopped training), and with ``metric`` also
        ``train_<name>`` and ``val_<name>``.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"cross_validate: X and y have different lengths ({len(X)} and {len(y)})")
    fit_kwargs = dict(fit_kwargs or {})
    clash = {"validation_data", "validation_split"} & set(fit_kwargs)
    if clash:
        raise ValueError(
            f"cross_validate: fit_kwargs must not set {sorted(clash)}: the held-out fold is "
            "the validation data"
        )
    labels = y.reshape(len(y)) if stratify else None
    folds = kfold_indices(len(X), k, shuffle=True, seed=seed, y=labels)
    scores = {"train_loss": [], "val_loss": [], "epochs": []}
    for train, val in folds:
        model = build_model()
        history = model.fit(X[train], y[train], validation_data=(X[val], y[val]), **fit_kwargs)
        for part, idx in (("train", train), ("val", val)):
            scores[f"{part}_loss"].append(model.evaluate(X[idx], y[idx], return_dict=True)["loss"])
        scores["epochs"].append(len(history.epoch))
        if metric is not None:
            name, fn = metrics_module.get(metric, model.loss, model.layers[-1].output_shape[-1])
            for part, idx in (("train", train), ("val", val)):
                scores.setdefault(f"{part}_{name}", []).append(
                    float(fn(y[idx], model.predict(X[idx])))
                )
    return {key: np.asarray(values) for key, values in scores.items()}
