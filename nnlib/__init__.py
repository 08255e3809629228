"""nnlib: the small numpy neural-network library behind *Neural Networks, Interactively*.

``import nnlib`` is light (numpy only). The plotting and widget modules import matplotlib and
ipywidgets, so they load when first used: ``from nnlib import plotting, widgets``.
"""

import importlib

from . import (
    activations,
    callbacks,
    checks,
    conv,
    datasets,
    explain,
    gradcheck,
    initializers,
    losses,
    metrics,
    optimizers,
    recurrent,
    regularizers,
    schedules,
    validation,
)
from .callbacks import Callback, EarlyStopping, History
from .conv import AveragePooling2D, Conv2D, MaxPooling2D
from .layers import Activation, Dense, Dropout, Flatten, Layer, Parameter
from .losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)
from .model import DivergenceError, Sequential
from .optimizers import SGD, Adam
from .recurrent import LSTM, SimpleRNN

__version__ = "0.1.0"

__all__ = [
    "activations",
    "callbacks",
    "checks",
    "conv",
    "datasets",
    "explain",
    "gradcheck",
    "initializers",
    "losses",
    "metrics",
    "optimizers",
    "recurrent",
    "regularizers",
    "schedules",
    "validation",
    "plotting",
    "widgets",
    "Activation",
    "Adam",
    "AveragePooling2D",
    "BinaryCrossentropy",
    "Callback",
    "CategoricalCrossentropy",
    "Conv2D",
    "Dense",
    "DivergenceError",
    "Dropout",
    "EarlyStopping",
    "Flatten",
    "History",
    "LSTM",
    "Layer",
    "MaxPooling2D",
    "MeanSquaredError",
    "Parameter",
    "SGD",
    "Sequential",
    "SimpleRNN",
    "SparseCategoricalCrossentropy",
]


def __getattr__(name):
    """Load the heavy modules (``plotting``, ``widgets``) on first access."""
    if name in ("plotting", "widgets"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
