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
