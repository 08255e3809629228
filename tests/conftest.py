"""Fixtures shared by the test modules."""

import warnings

import pytest


@pytest.fixture
def warnings_are_errors():
    """Turn every warning into an error: a widget at a slider's extreme must not even warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
