"""Fixtures shared by the test modules."""

import warnings

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--network",
        action="store_true",
        help="run the tests marked network (they install packages from PyPI)",
    )


def pytest_collection_modifyitems(config, items):
    """Skip the ``network`` tests unless ``--network`` asks for them: the unit run stays
    offline, whatever ``-m`` expression selects it."""
    if config.getoption("--network"):
        return
    skip = pytest.mark.skip(reason="installs from PyPI: run with --network")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def warnings_are_errors():
    """Turn every warning into an error: a widget at a slider's extreme must not even warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
