"""Callbacks: hooks that ``Sequential.fit`` calls during training (Keras's protocol)."""


class Callback:
    """Override any hook. ``self.model`` is the model being trained; setting
    ``self.model.stop_training = True`` ends training after the current epoch."""

    model = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass


class History:
    """What ``fit`` returns: ``history`` maps ``'loss'``, ``'val_loss'``, … to per-epoch lists."""

    def __init__(self):
        self.history = {}
        self.epoch = []

    def append(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        last = {k: round(v[-1], 4) for k, v in self.history.items()}
        return f"History(epochs={len(self.epoch)}, last={last})"


#: Metric names (without ``val_``) that ``mode="auto"`` knows should go down.
_LOWER_IS_BETTER = {"loss", "mae", "mse", "mean_absolute_error", "mean_squared_error"}


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving (Keras's semantics).

    After every epoch the callback reads ``logs[monitor]``. A value better than the best so far
    by more than ``min_delta`` is an *improvement*: it becomes ``best`` and the wait restarts.
    Otherwise the wait grows by one, and once ``patience`` epochs have passed without an
    improvement, training stops (``model.stop_training = True``): with ``patience=0`` the first
    epoch that does not improve is the last one.

    Parameters
    ----------
    monitor : str
        A key of the epoch's logs, e.g. ``"val_loss"`` (needs validation data) or
        ``"val_accuracy"``.
    min_delta : float
        The smallest change that counts as an improvement (its sign is ignored).
    patience : int
        Epochs without improvement to wait before stopping.
    mode : {"auto", "min", "max"}
        Whether lower or higher is better; ``"auto"`` picks "min" for losses, errors and
        cross-entropies and "max" for accuracies, from the name.
    restore_best_weights : bool
        At the end of training, put back the weights of the best epoch (as Keras 3 does,
        whether or not training stopped early). Without it the model keeps the weights of the
        last epoch, which is ``patience`` epochs past the best one.
    start_from_epoch : int
        Epochs to train before monitoring starts (a warm-up with no stopping).

    Attributes
    ----------
    best : float
        The best monitored value seen.
    best_epoch : int
        The epoch (counted from 0, as in ``History.epoch``) where it was seen.
    stopped_epoch : int
        The epoch after which training stopped; 0 if it ran to the end.
    best_weights : list of ndarray or None
        Copies of the weights at ``best_epoch`` (kept only with ``restore_best_weights``).
    wait : int
        Epochs since the last improvement.

    Notes
    -----
    Two small departures from Keras, both to fail loudly instead of silently: a ``monitor``
    missing from the logs raises ``ValueError`` (Keras warns and never stops), and an unknown
    ``mode`` raises (Keras warns and falls back to "auto"). ``on_train_begin`` also resets
    ``best``, so one callback can be reused for several ``fit`` calls (as ``cross_validate``
    does).
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0.0,
        patience=0,
        mode="auto",
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping mode must be 'auto', 'min' or 'max', got {mode!r}")
        if int(patience) != patience or patience < 0:
            raise ValueError(f"EarlyStopping patience must be an integer >= 0, got {patience!r}")
        if int(start_from_epoch) != start_from_epoch or start_from_epoch < 0:
            raise ValueError(
                f"EarlyStopping start_from_epoch must be an integer >= 0, got {start_from_epoch!r}"
            )
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = int(patience)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = int(start_from_epoch)
        self.mode = mode if mode != "auto" else self._infer_mode(monitor)
        self.on_train_begin()

    @staticmethod
    def _infer_mode(monitor):
        name = monitor.removeprefix("val_")
        if name in _LOWER_IS_BETTER or name.endswith(("loss", "error", "crossentropy")):
            return "min"
        if "acc" in name:
            return "max"
        raise ValueError(
            f"EarlyStopping cannot tell whether {monitor!r} should go up or down; pass "
            "mode='min' or mode='max'"
        )

    def _improves(self, value):
        """Better than ``best`` by more than ``min_delta``."""
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_begin(self, logs=None):
        self.best = float("inf") if self.mode == "min" else -float("inf")
        self.best_epoch, self.stopped_epoch, self.wait = 0, 0, 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, which is not in the epoch's logs "
                f"{sorted(logs)}; pass validation_data (or validation_split) to fit to get "
                "'val_...' entries"
            )
        if epoch < self.start_from_epoch:
            return
        value = float(logs[self.monitor])
        if self.restore_best_weights and self.best_weights is None:
            # The first monitored epoch is the best one so far, even if its value is NaN.
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._improves(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)

    def __repr__(self):
        return (
            f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
            f"best={self.best:.4g}, best_epoch={self.best_epoch}, "
            f"stopped_epoch={self.stopped_epoch})"
        )
