"""nnlib: the small numpy neural-network library behind *Neural Networks, Interactively*.

``import nnlib`` is light (numpy only). The plotting and widget modules import matplotlib and
ipywidgets, so they load when first used: ``from nnlib import plotting, widgets``.
"""

import importlib

from . import (
    activations,
    callbacks,
    checks,
    datasets,
    explain,
    gradcheck,
    initializers,
    losses,
    metrics,
    optimizers,
    regularizers,
    schedules,
    validation,
)
from .callbacks import Callback, EarlyStopping, History
from .layers import Activation, Dense, Dropout, Layer, Parameter
from .losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)
from .model import DivergenceError, Sequential
from .optimizers import SGD, Adam

__version__ = "0.1.0"

__all__ = [
    "activations",
    "callbacks",
    "checks",
    "datasets",
    "explain",
    "gradcheck",
    "initializers",
    "losses",
    "metrics",
    "optimizers",
    "regularizers",
    "schedules",
    "validation",
    "plotting",
    "widgets",
    "Activation",
    "Adam",
    "BinaryCrossentropy",
    "Callback",
    "CategoricalCrossentropy",
    "Dense",
    "DivergenceError",
    "Dropout",
    "EarlyStopping",
    "History",
    "Layer",
    "MeanSquaredError",
    "Parameter",
    "SGD",
    "Sequential",
    "SparseCategoricalCrossentropy",
]


def __getattr__(name):
    """Load the heavy modules (``plotting``, ``widgets``) on first access."""
    if name in ("plotting", "widgets"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
