"""Student copies of the chapters: solutions removed, implementation exercises as stubs.

``python -m tools.make_student [OUT]`` (``make student``) writes ``OUT/NN_name.ipynb``
(default ``student/``, git-ignored) for every chapter:

- every solution is removed: the cells from ``{solution-start}`` to ``{solution-end}``, and
  single ``{solution}`` directives;
- after an *implement* exercise (its title ends in "(implement)") comes a stub cell, tagged
  ``raises-exception``: each function or class the solution defines and the exercise names
  keeps its signature and docstring, its body becomes ``raise NotImplementedError``, and the
  solution's ``checks.check_*(...)`` calls follow, so running the cell tells the learner what
  is still wrong;
- after every other exercise comes an empty "your answer" cell;
- outputs are cleared. Everything else, the bootstrap cell included, is kept.
"""

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tools.book import ROOT, chapters

EXERCISE = re.compile(
    r"(?:```|:::)\{exercise(?:-start)?\}([^\n]*)\n"  # the title, then option lines up to :label:
    r"(?:[ \t]*:(?!label:)[^\n]*\n)*[ \t]*:label:\s*(\S+)"
)
SOLUTION_START = re.compile(r"(?:```|:::)\{solution-start\}[ \t]+(\S+)")
SOLUTION_END = re.compile(r"(?:```|:::)\{solution-end\}")
SOLUTION_WHOLE = re.compile(r"(?:```|:::)\{solution\}[ \t]+(\S+)")
KIND = re.compile(r"\((concept|derive|implement|experiment|challenge)\)\s*$")
STUB_TAGS = ["raises-exception", "student-stub"]


@dataclass
class Exercise:
    label: str
    title: str
    text: str

    @property
    def kind(self):
        match = KIND.search(self.title.strip())
        return match.group(1) if match else None


@dataclass
class Solution:
    label: str
    cells: list = field(default_factory=list)  # every cell of the solution, markdown included

    @property
    def code(self):
        return [cell.source for cell in self.cells if cell.cell_type == "code"]


def exercises(nb):
    """``{label: Exercise}`` for every exercise directive in the notebook."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for match in EXERCISE.finditer(cell.source):
                title, label = match.group(1).strip(), match.group(2)
                found[label] = Exercise(label, title, cell.source)
    return found


def solutions(nb):
    """``{label: Solution}``, each with the cells it spans (directive cells included)."""
    found, current = {}, None
    for cell in nb.cells:
        if current is not None:
            current.cells.append(cell)
            if cell.cell_type == "markdown" and SOLUTION_END.search(cell.source):
                current = None
            continue
        if cell.cell_type != "markdown":
            continue
        start = SOLUTION_START.search(cell.source)
        whole = SOLUTION_WHOLE.search(cell.source)
        if start:
            current = found[start.group(1)] = Solution(start.group(1), [cell])
            if SOLUTION_END.search(cell.source[start.end() :]):
                current = None
        elif whole:
            found[whole.group(1)] = Solution(whole.group(1), [cell])
    return found


def _header(lines, node):
    """Source lines of ``node``'s header (decorators, signature) and its docstring, if any."""
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    body = node.body
    has_doc = (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    end = body[0].end_lineno if has_doc else body[0].lineno - 1
    if not has_doc and body[0].lineno == node.lineno:  # def f(x): return x  (one line)
        raise ValueError(f"cannot stub the one-line definition of {node.name}")
    return lines[first - 1 : end]


def _indent_of(line):
    return line[: len(line) - len(line.lstrip())]


def stub_definition(source, node):
    """The definition ``node`` with its body (or each method's body) replaced by a stub."""
    lines = source.splitlines()
    if isinstance(node, ast.ClassDef):
        out = lines[node.lineno - 1 : node.body[0].lineno - 1] if node.body else []
        out = [line for line in out if line.strip().startswith(("class", "@")) or not line.strip()]
        methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        for k, method in enumerate(methods):
            if k:
                out.append("")
            out.extend(stub_definition(source, method).splitlines())
        return "\n".join(out)
    header = _header(lines, node)
    inner = _indent_of(lines[node.body[0].lineno - 1]) or _indent_of(header[0]) + "    "
    message = f"{node.name}: your code here"
    return "\n".join([*header, f'{inner}raise NotImplementedError("{message}")'])


def _is_check_call(node):
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and isinstance(node.value.func.value, ast.Name)
        and node.value.func.value.id == "checks"
    )


def named_in(text):
    """Identifiers written in backticks in an exercise's text: `name(...)` or `Name`."""
    return set(re.findall(r"`([A-Za-z_]\w*)", text))


def stub_source(exercise, solution):
    """The stub cell for an implement exercise, from its solution's code."""
    names = named_in(exercise.text)
    definitions, calls = [], []
    for source in solution.code:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in names:
                definitions.append(stub_definition(source, node))
            elif _is_check_call(node):
                calls.append(ast.get_source_segment(source, node))
    intro = (
        f"# Exercise {exercise.label}: replace each `raise NotImplementedError` with your code,\n"
        "# then run the cell. Until your code is right, the check says what is wrong."
    )
    if not definitions:
        return f'{intro}\nraise NotImplementedError("exercise {exercise.label}: your code here")'
    body = "\n\n\n".join(definitions)
    if calls:
        body += "\n\n\n" + "\n".join(calls)
    return f"{intro}\n{body}"


def _code_cell(source, tags=None):
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def student_notebook(nb):
    """A student copy of the chapter notebook ``nb`` (a new notebook; ``nb`` is unchanged)."""
    found, sols = exercises(nb), solutions(nb)
    in_solution = {id(cell) for solution in sols.values() for cell in solution.cells}
    cells, count = [], 0
    for cell in nb.cells:
        if id(cell) in in_solution:
            label = next((s.label for s in sols.values() if s.cells and s.cells[0] is cell), None)
            if label is None:
                continue
            count += 1
            exercise = found.get(label)
            if exercise is not None and exercise.kind == "implement":
                new = _code_cell(stub_source(exercise, sols[label]), STUB_TAGS)
            else:
                new = nbformat.v4.new_markdown_cell(
                    "**Your answer.** Write it here (double-click to edit), and add code cells "
                    "for any computation."
                )
            new.id = f"student-{count}"
            cells.append(new)
            continue
        copy = nbformat.from_dict(cell)
        if copy.cell_type == "code":
            copy.outputs, copy.execution_count = [], None
        if copy.cell_type == "markdown" and "Solutions are folded" in copy.source:
            copy.source = re.sub(
                r"Solutions are folded[^.]*\.",
                "This is a student copy: the solutions are not included.",
                copy.source,
            )
        cells.append(copy)
    student = nbformat.v4.new_notebook(metadata=nbformat.from_dict(nb.metadata))
    student.metadata.pop("widgets", None)
    student.cells = cells
    nbformat.validate(student)
    return student


def write_students(out=ROOT / "student", paths=None):
    """Write the student copy of every chapter into ``out``; return the written paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths or chapters():
        student = student_notebook(nbformat.read(path, as_version=4))
        target = out / path.name
        nbformat.write(student, target)
        written.append(target)
    return written


def main(argv):
    out = Path(argv[0]) if argv else ROOT / "student"
    written = write_students(out)
    print(f"wrote {len(written)} student notebooks to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
