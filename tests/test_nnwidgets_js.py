"""The unit tests of the static widgets' painter, _ext/static/nnwidgets.js (tests/js/), run by
Node's built-in test runner: no packages needed."""

import shutil
import subprocess
from pathlib import Path

import pytest

JS_TESTS = Path(__file__).parent / "js"


def test_nnwidgets_js():
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (`make assets` needs it too)")
    tests = sorted(JS_TESTS.glob("*.test.js"))
    assert tests, f"no *.test.js in {JS_TESTS}"
    result = subprocess.run(
        [node, "--test", *map(str, tests)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout
