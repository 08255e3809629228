"""``Sequential``: a stack of layers with Keras's ``compile`` / ``fit`` / ``predict`` API."""

import math
import time

import numpy as np

from . import losses, metrics, optimizers
from .callbacks import History
from .layers import _shape_str


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss (usually: the learning rate is too large)."""


def _check_chain(layer, shape):
    """Raise ``ValueError`` unless ``layer`` takes examples of ``shape``: the shape it was built
    for or declared (``input_shape=``; a ``None`` entry, as in ``(None, F)``, takes any size)."""
    shape, declared = tuple(shape), layer.input_shape
    if declared is None:
        return
    fits = len(declared) == len(shape) and all(
        d is None or d == s for d, s in zip(declared, shape, strict=True)
    )
    if not fits:
        how = "was built" if layer.built else "was declared"
        raise ValueError(
            f"{type(layer).__name__} layer '{layer.name}' {how} for inputs of shape "
            f"{_shape_str((None, *declared))} but receives {_shape_str((None, *shape))} from the "
            "layer before it"
        )


class Sequential:
    """Layers applied one after another: ``model(X) == layer_k(... layer_1(X))``.

    Parameters
    ----------
    layers : list of Layer, optional
    name : str, optional
    seed : int or numpy Generator, optional
        Seeds weight initialisation and shuffling: the same seed gives the same numbers.
    """

    def __init__(self, layers=None, name="sequential", seed=None):
        self.name = name
        self.layers = []
        self.rng = np.random.default_rng(seed)
        self.optimizer = self.loss = None
        self.metrics = []
        self.stop_training = False
        self.history = None  # the History of the last fit
        for layer in layers or []:
            self.add(layer)

    # --- structure ------------------------------------------------------------------------
    def add(self, layer):
        """Append a layer, giving it a unique name and building it if its input shape is known."""
        names = {existing.name for existing in self.layers}
        base, k = layer.name, 1
        while layer.name in names:
            layer.name, k = f"{base}_{k}", k + 1
        shape = self.layers[-1].output_shape if self.layers else layer.input_shape
        if shape is not None:
            _check_chain(layer, shape)
        self.layers.append(layer)
        if shape is not None and not layer.built:
            layer.build(shape, self.rng, self.dtype)

    @property
    def built(self):
        return bool(self.layers) and all(layer.built for layer in self.layers)

    @property
    def dtype(self):
        """dtype of the parameters (float64 unless trained on float32 data)."""
        for layer in self.layers:
            for p in layer.parameters():
                return p.value.dtype
        return np.dtype(np.float64)

    def build(self, input_shape, dtype=np.float64):
        """Create every layer's parameters for examples of shape ``input_shape``."""
        shape = tuple(input_shape)
        for layer in self.layers:
            _check_chain(layer, shape)
            if not layer.built:
                layer.build(shape, self.rng, dtype)
            shape = layer.output_shape

    def parameters(self):
        """All ``Parameter`` objects, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def count_params(self):
        """Number of scalar parameters."""
        return sum(layer.count_params() for layer in self.layers)

    def penalty(self):
        """The weight penalties of every layer's regularizers, summed (0.0 without any)."""
        return float(sum(reg(p.value) for layer in self.layers for p, reg in layer.penalties()))

    def get_weights(self):
        """Copies of all parameter arrays, layer by layer (``[W1, b1, W2, b2, ...]``)."""
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights):
        """Inverse of ``get_weights``."""
        weights, expected = list(weights), len(self.parameters())
        if not self.built:
            raise ValueError(
                f"model '{self.name}' is not built: give the first layer an input_shape, or call "
                "build() or fit() before set_weights"
            )
        if len(weights) != expected:
            raise ValueError(
                f"model '{self.name}' expected {expected} weight arrays, received {len(weights)}"
            )
        for layer in self.layers:
            k = len(layer.parameters())
            layer.set_weights(weights[:k])
            weights = weights[k:]

    def summary(self, print_fn=print):
        """Print a table of layers, output shapes and parameter counts."""
        if not self.built:
            raise ValueError(
                f"model '{self.name}' is not built: give the first layer an "
                "input_shape, or call build() or fit() first"
            )
        rows = [
            (
                f"{layer.name} ({type(layer).__name__})",
                str((None, *layer.output_shape)),
                str(layer.count_params()),
            )
            for layer in self.layers
        ]
        widths = [
            max(len(h), *(len(r[i]) for r in rows))
            for i, h in enumerate(("Layer (type)", "Output Shape", "Param #"))
        ]
        line = "  ".join(f"{{:<{w}}}" for w in widths)
        text = [
            f'Model: "{self.name}"',
            line.format("Layer (type)", "Output Shape", "Param #"),
            "-" * (sum(widths) + 4),
        ] + [line.format(*r) for r in rows]
        text += ["-" * (sum(widths) + 4), f"Total params: {self.count_params():,}"]
        print_fn("\n".join(text))

    # --- forward and backward -------------------------------------------------------------
    def _as_input(self, X):
        X = np.asarray(X)
        if not self.built:
            dtype = np.float32 if X.dtype == np.float32 else np.float64
            self.build(X.shape[1:], dtype)
        return X.astype(self.dtype, copy=False)

    def forward(self, X, training=False):
        """Run every layer; returns the output of the last one."""
        for layer in self.layers:
            X = layer.forward(X, training=training)
        return X

    __call__ = forward

    def backward(self, grad, from_z=False, input_grad=True):
        """Back-propagate dL/d(output) (or dL/dz of the last layer, if ``from_z``) to the input.

        Returns dL/d(input). Training passes ``input_grad=False``: the gradient with respect to
        the data is never used, so the first layer may skip it (for a ``Dense`` layer that is
        its largest matrix product; see ``Layer.needs_input_grad``) and None is returned.
        """
        first, last = self.layers[0], self.layers[-1]
        first.needs_input_grad = input_grad
        try:
            grad = last.backward_from_z(grad) if from_z else last.backward(grad)
            for layer in reversed(self.layers[:-1]):
                grad = layer.backward(grad)
        finally:
            first.needs_input_grad = True
        return grad if input_grad else None

    # --- training -------------------------------------------------------------------------
    def compile(self, optimizer="sgd", loss="mse", metrics=None):
        """Choose the optimizer, the loss and the metrics to report (names or objects)."""
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self._metric_names = list(metrics or [])
        self.metrics = []

    def _check_compiled(self):
        if self.loss is None:
            raise RuntimeError(
                f"model '{self.name}' must be compiled before training or evaluating"
            )

    def _resolve_metrics(self):
        out_size = self.layers[-1].output_shape[-1]
        self.metrics = [metrics.get(m, self.loss, out_size) for m in self._metric_names]

    def _fused_loss(self):
        """The from-logits twin of the loss if the last layer's activation allows it."""
        activation = getattr(self.layers[-1], "activation", None)
        return activation and losses.from_logits_version(self.loss, activation.name)

    def compute_gradients(self, X, y):
        """Forward and backward on one batch: fills every ``Parameter.grad``, returns the loss.

        Layers' weight penalties (``kernel_regularizer``...) are added to the loss and the
        gradients. When the output activation is sigmoid/softmax and the loss the matching
        cross-entropy,
        the loss is computed from the last layer's pre-activation ``z`` (same value, but stable,
        and its gradient at ``z`` is simply ``prediction - target`` over ``n``).
        """
        self._check_compiled()
        y_pred = self.forward(X, training=True)
        fused = self._fused_loss()
        if fused:
            loss, grad = fused.value_and_gradient(y, self.layers[-1].Z)
        else:
            loss, grad = self.loss.value_and_gradient(y, y_pred)
        self.backward(grad, from_z=bool(fused), input_grad=False)  # dL/dX is not needed
        for layer in self.layers:  # weight penalties: added to the loss and to the gradients
            for p, reg in layer.penalties():
                loss += reg(p.value)
                p.grad += reg.gradient(p.value)
        self._last_output = y_pred
        return loss

    def train_step(self, X, y):
        """One gradient step on one batch; returns the batch loss *before* the step."""
        X = self._as_input(X)
        with np.errstate(over="ignore", invalid="ignore"):
            loss = self.compute_gradients(X, y)
            if math.isfinite(loss):
                self.optimizer.step(self.parameters())
        return loss

    def _check_finite(self, loss, epoch, step):
        if not math.isfinite(loss):
            raise DivergenceError(
                f"loss became {loss} at epoch {epoch}, step {step} with learning rate "
                f"{self.optimizer.learning_rate}: training diverged; try a smaller learning rate"
            )

    def fit(
        self,
        X,
        y,
        epochs=1,
        batch_size=32,
        validation_data=None,
        validation_split=0.0,
        shuffle=True,
        verbose=0,
        callbacks=None,
    ):
        """Train for ``epochs`` passes over ``(X, y)`` in mini-batches.

        Parameters
        ----------
        X : ndarray, shape (n_samples, *input_shape)
        y : ndarray, shape (n_samples, n_outputs) or (n_samples,)
        validation_data : tuple (X_val, y_val), optional
        validation_split : float
            Fraction of the *last* samples held out for validation (before shuffling), as Keras.
        verbose : int
            0 silent; 1 about 20 progress lines; 2 one line per epoch.
        callbacks : list of Callback, optional

        Returns
        -------
        History
            ``history.history['loss']`` (and ``'val_loss'``, metrics…) per epoch.
        """
        self._check_compiled()
        X, y = np.asarray(X), np.asarray(y)
        if X.ndim == 0 or y.ndim == 0:
            raise ValueError(
                "fit expected arrays of samples, X (n, ...) and y (n, ...), received shapes "
                f"{X.shape} and {y.shape}"
            )
        if len(X) != len(y):
            raise ValueError(
                "fit expected X and y with the same number of samples, "
                f"received {len(X)} and {len(y)}"
            )
        if X.dtype == np.float32 and self.dtype != np.float32:
            self._cast(np.float32)  # float32 data: train in float32 end to end
        X = self._as_input(X)
        if validation_split and validation_data is None:
            n_val = len(X) - math.floor(len(X) * (1 - validation_split))  # Keras's count
            if not 0 < n_val < len(X):  # X[:-0] would silently be empty
                raise ValueError(
                    f"validation_split={validation_split!r} of {len(X)} samples leaves {n_val} for "
                    "validation; the training and validation sets must both be non-empty"
                )
            X, X_val, y, y_val = X[:-n_val], X[-n_val:], y[:-n_val], y[-n_val:]
            validation_data = (X_val, y_val)
        if batch_size is None:
            batch_size = 32  # Keras's default
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise ValueError(f"fit: batch_size must be a positive integer, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"fit: batch_size must be a positive integer, got {batch_size}")
        self._resolve_metrics()
        history, callbacks = History(), list(callbacks or [])
        self.stop_training = False  # before on_train_begin, which may set it (as in Keras)
        for cb in callbacks:
            cb.set_model(self)
            cb.on_train_begin()
        n, start = len(X), time.perf_counter()
        for epoch in range(epochs):
            for cb in callbacks:
                cb.on_epoch_begin(epoch)
            order = self.rng.permutation(n) if shuffle else np.arange(n)
            totals, seen = {}, 0
            for step, i in enumerate(range(0, n, batch_size)):
                idx = order[i : i + batch_size]
                yb = y[idx]
                loss = self.train_step(X[idx], yb)
                self._check_finite(loss, epoch + 1, step + 1)
                batch_logs = {
                    "loss": loss,
                    **{name: fn(yb, self._last_output) for name, fn in self.metrics},
                }
                for key, value in batch_logs.items():  # weighted running mean, as Keras reports
                    totals[key] = totals.get(key, 0.0) + value * len(idx)
                seen += len(idx)
                for cb in callbacks:
                    cb.on_batch_end(step, batch_logs)
            logs = {key: total / seen for key, total in totals.items()}
            if validation_data is not None:
                val = self.evaluate(*validation_data, return_dict=True)
                logs.update({f"val_{key}": value for key, value in val.items()})
            history.append(epoch, logs)
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if verbose and (
                verbose == 2 or epoch % max(1, epochs // 20) == 0 or epoch == epochs - 1
            ):
                shown = " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())
                print(f"Epoch {epoch + 1}/{epochs} - {time.perf_counter() - start:.1f}s - {shown}")
            if self.stop_training:
                break
        for cb in callbacks:
            cb.on_train_end()
        self.history = history  # as Keras keeps it
        return history

    def _cast(self, dtype):
        for p in self.parameters():
            p.value, p.grad = p.value.astype(dtype), p.grad.astype(dtype)
        if self.optimizer is not None:  # cast the optimizer's slots too, so training continues
            for slots in self.optimizer.state.values():
                for key, value in slots.items():
                    slots[key] = value.astype(dtype)

    # --- inference ------------------------------------------------------------------------
    def predict(self, X, batch_size=None):
        """Outputs for ``X`` (in batches of ``batch_size`` to bound memory, if given)."""
        X = self._as_input(X)
        if batch_size is None or len(X) <= batch_size:
            return self.forward(X)
        return np.concatenate(
            [self.forward(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
        )

    def evaluate(self, X, y, return_dict=False):
        """Loss (and metrics) on ``(X, y)``: a float, a list ``[loss, *metrics]``, or a dict."""
        self._check_compiled()
        X = self._as_input(X)  # builds the model first if needed: the metrics need its output size
        if not self.metrics and self._metric_names:
            self._resolve_metrics()
        with np.errstate(over="ignore", invalid="ignore"):
            y_pred = self.forward(X)
            fused = self._fused_loss()
            loss = fused(y, self.layers[-1].Z) if fused else self.loss(y, y_pred)
            loss += self.penalty()  # as Keras: the reported loss includes the weight penalties
        logs = {"loss": loss, **{name: fn(y, y_pred) for name, fn in self.metrics}}
        if return_dict:
            return logs
        return loss if len(logs) == 1 else list(logs.values())
