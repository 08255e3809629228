"""Student copies (tools/make_student.py): no solution leaks, stubs that raise, nothing lost.

These tests build the copies in a temporary folder, without executing them; ``make students``
also runs them under nbval (``pytest --nbval-lax student/``).
"""

import ast
import re

import nbformat
import numpy as np
import pytest

import nnlib
from nnlib import checks
from tools import make_student
from tools.book import chapters, is_bootstrap

CHAPTERS = chapters()
NNLIB_NAMES = {
    name: getattr(nnlib, name) for name in nnlib.__all__ if name not in ("plotting", "widgets")
}
IDS = [path.stem for path in CHAPTERS]


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    make_student.write_students(out)
    return {path.stem: nbformat.read(out / path.name, as_version=4) for path in CHAPTERS}


def original(path):
    return nbformat.read(path, as_version=4)


def signature(node):
    """A definition's signature: its arguments, or a class's bases and methods' arguments."""
    if isinstance(node, ast.ClassDef):
        methods = [n for n in node.body if isinstance(n, ast.FunctionDef)]
        return [ast.dump(b) for b in node.bases], [(m.name, ast.dump(m.args)) for m in methods]
    return ast.dump(node.args)


def solution_lines(nb):
    """Lines of solution text that must not appear in a student copy.

    Left out: short lines, lines that also occur outside the solutions, and what a stub keeps
    on purpose (def/class headers, docstrings, the checks.* calls).
    """
    sols = make_student.solutions(nb)
    inside = {id(cell) for s in sols.values() for cell in s.cells}
    outside = {
        line.strip()
        for cell in nb.cells
        if id(cell) not in inside
        for line in cell.source.split("\n")
    }
    kept = set()
    for s in sols.values():
        for source in s.code:
            tree = ast.parse(source)
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.ClassDef):
                    kept.add(source.splitlines()[node.lineno - 1].strip())
                    doc = ast.get_docstring(node, clean=False)
                    kept.update(line.strip() for line in (doc or "").splitlines())
                    if doc is not None:  # the docstring's source lines, quotes included
                        first, last = node.body[0].lineno, node.body[0].end_lineno
                        lines = source.splitlines()[first - 1 : last]
                        kept.update(line.strip() for line in lines)
    lines = set()
    for s in sols.values():
        for cell in s.cells:
            for line in cell.source.split("\n"):
                text = line.strip()
                if (
                    len(text) >= 20
                    and text not in outside
                    and text not in kept
                    and not text.startswith("checks.check_")
                    and not re.match(r"(```|:::)\{solution", text)
                ):
                    lines.add(text)
    return lines


def leaks(nb, student):
    text = "\n".join(cell.source for cell in student.cells)
    return sorted(line for line in solution_lines(nb) if line in text)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_solution_text_leaks(path, copies):
    student = copies[path.stem]
    found = leaks(original(path), student)
    assert not found, f"{path.name}: solution text in the student copy: {found[:5]}"
    text = "\n".join(cell.source for cell in student.cells)
    assert "{solution" not in text, f"{path.name}: a solution directive is left"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_the_leak_detector_finds_the_solutions_in_the_original(path):
    """The leak test can fail: on the chapter itself (solutions included) it finds them."""
    nb = original(path)
    lines = solution_lines(nb)
    assert len(lines) >= 10, f"{path.name}: too little solution text to test with"
    assert leaks(nb, nb) == sorted(lines)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_exercises_stay_and_every_solution_is_replaced(path, copies):
    nb, student = original(path), copies[path.stem]
    assert make_student.exercises(student).keys() == make_student.exercises(nb).keys()
    assert not make_student.solutions(student)
    stubs = [c for c in student.cells if "student-stub" in c.metadata.get("tags", [])]
    answers = [c for c in student.cells if c.source.startswith("**Your answer.**")]
    kinds = [e.kind for e in make_student.exercises(nb).values()]
    assert len(stubs) == kinds.count("implement")
    assert len(stubs) + len(answers) == len(make_student.solutions(nb))


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_the_rest_of_the_chapter_is_kept(path, copies):
    nb, student = original(path), copies[path.stem]
    inside = {id(c) for s in make_student.solutions(nb).values() for c in s.cells}
    kept = [c.source for c in nb.cells if id(c) not in inside]
    sources = [c.source for c in student.cells]
    assert [s for s in sources if s in kept] == [s for s in kept if s in sources]
    missing = [s[:60] for s in kept if s not in sources and "Solutions are folded" not in s]
    assert not missing, f"{path.name}: cells lost: {missing}"
    assert is_bootstrap(next(c for c in student.cells if c.cell_type == "code"))


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_stubs_keep_the_signatures_and_raise(path, copies):
    nb, student = original(path), copies[path.stem]
    found, sols = make_student.exercises(nb), make_student.solutions(nb)
    stubs = iter(c for c in student.cells if "student-stub" in c.metadata.get("tags", []))
    for label, exercise in found.items():
        if exercise.kind != "implement":
            continue
        stub = next(stubs)
        assert stub.metadata["tags"][0] == "raises-exception"
        assert not stub.outputs
        defined = {
            node.name: node
            for source in sols[label].code
            for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef | ast.ClassDef)
        }
        stubbed = {n.name: n for n in ast.parse(stub.source).body if hasattr(n, "name")}
        assert stubbed, f"{label}: the stub defines nothing"
        for name, node in stubbed.items():
            assert signature(node) == signature(defined[name]), (
                f"{label}: {name} lost its signature"
            )
        assert "checks.check_" in stub.source, f"{label}: the stub calls no self-check"
        # What a chapter has imported by then: numpy and nnlib's public names (a stub of a
        # callback class needs its base class, Callback).
        namespace = {"checks": checks, "np": np, **NNLIB_NAMES}
        with pytest.raises(NotImplementedError):
            exec(compile(stub.source, label, "exec"), namespace)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_copies_are_clean_notebooks(path, copies):
    student = copies[path.stem]
    nbformat.validate(student)
    assert student.metadata["kernelspec"]["name"] == "python3"
    assert all(
        not c.get("outputs") and c.get("execution_count") is None
        for c in student.cells
        if c.cell_type == "code"
    )


def test_stub_of_a_class_and_a_function_with_a_docstring():
    source = (
        'def f(x, *, y=2):\n    """Doc."""\n    return x + y\n\n\n'
        "class C(Base):\n    rate = 1\n\n    def __call__(self, step):\n        return step\n"
    )
    tree = ast.parse(source)
    f_stub = make_student.stub_definition(source, tree.body[0])
    c_stub = make_student.stub_definition(source, tree.body[1])
    assert (
        f_stub
        == 'def f(x, *, y=2):\n    """Doc."""\n    raise NotImplementedError("f: your code here")'
    )
    assert c_stub.startswith("class C(Base):\n    def __call__(self, step):\n")
    assert "return" not in c_stub and "rate" not in c_stub
