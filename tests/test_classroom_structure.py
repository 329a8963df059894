"""Every notebook is ready for a classroom: goals, a summary, exercises with solutions, short prose,
numbered figures and equations. The conventions are in the README's "Writing a notebook" section;
a new notebook that skips one of them fails here.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))

MAX_WORDS = 180
LEVELS = ("warm-up", "practice", "challenge")
GOALS_HEADING = "## What you will learn"
SUMMARY_HEADING = "## Summary"
EXERCISES_HEADING = "## Exercises"
EXERCISE = re.compile(r"^\*\*Exercise (\d+)\*\* \(([a-z-]+)\)")
FIGURE_IN_CODE = re.compile(r"Figure (\d+)\b")
FIGURE_REFERENCE = re.compile(r"\bFigures? (\d+)(?:[–-](\d+))?")
SECTION_REFERENCE = re.compile(r"§ “([^”]+)”")
EQUATION_TAG = re.compile(r"\\tag\{([^}]*)\}")
EQUATION_REFERENCE = re.compile(r"\b(?:[Ee]quations?|[Ee]q\.) \(([^)]*)\)")
PROBLEM_REFERENCE = re.compile(r"\b[Pp]roblems? \((\d+)\)")
# One numbering for the series: the notation page's problems are (1), (2), ... and are called
# "problem (n)"; a notebook's own equations are (NN.k), NN its number, called "equation (NN.k)".
NOTATION = ROOT / "site" / "notation.md"
PROBLEM_NUMBERS = set(re.findall(r"\\tag\{(\d+)\}", NOTATION.read_text(encoding="utf-8")))
FROM_SCRATCH_TAG = "from-scratch"
MAX_FROM_SCRATCH_LINES = 50  # "at most ~40 lines" of the idea, plus its check and print
MAX_PROSE_WORDS = 3000  # one class session (issue 26); counted as before-stop counts it
# Prose that points at output by position instead of naming the value.
LINE_POINTER = re.compile(r"\b(?:first|second|third|fourth|last) (?:printed )?lines?\b", re.IGNORECASE)


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _bullets(text: str) -> list[str]:
    """Top-level ``- `` items of a markdown text, continuation lines joined."""
    items: list[str] = []
    for line in text.splitlines():
        if line.startswith("- "):
            items.append(line[2:])
        elif items and line.startswith("  ") and line.strip():
            items[-1] += " " + line.strip()
        elif line.strip() and not line.startswith("  "):
            if items and not line.startswith("#"):
                break
    return items


def is_solution(cell: nbformat.NotebookNode) -> bool:
    """A worked solution: tagged ``solution``, collapsed in Jupyter (and on the site)."""
    return "solution" in cell.get("metadata", {}).get("tags", [])


def figure_cells(notebook: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode]]:
    """Code cells of the main text (not solutions) whose outputs hold a figure."""
    return [
        (i, cell) for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and not is_solution(cell)
        and any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))
    ]


def _section(notebook: nbformat.NotebookNode, heading: str) -> int:
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown" and any(
            line.strip() == heading for line in cell.source.splitlines()
        ):
            return i
    raise AssertionError(f"no markdown cell with the heading {heading!r}")


@pytest.fixture(params=NOTEBOOKS, ids=lambda path: path.name[:2])
def notebook(request) -> nbformat.NotebookNode:
    return _read(request.param)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5


def test_each_notebook_opens_with_its_goals_and_what_it_assumes(notebook):
    first_code = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    index = _section(notebook, GOALS_HEADING)
    assert index < first_code, "the goals come before any code"
    text = notebook.cells[index].source
    goals = _bullets(text[text.index(GOALS_HEADING):])
    assert 2 <= len(goals) <= 4, f"2-4 goals, found {len(goals)}"
    assert re.search(r"^\*\*Assumes:\*\* \S", text, re.MULTILINE), "an **Assumes:** line"


def _headings(notebook: nbformat.NotebookNode) -> set[str]:
    return {
        line.lstrip("#").strip()
        for cell in notebook.cells if cell.cell_type == "markdown"
        for line in cell.source.splitlines() if line.startswith("#")
    }


def test_each_notebook_ends_with_a_summary_that_points_to_where_it_is_shown(notebook):
    index = _section(notebook, SUMMARY_HEADING)
    text = notebook.cells[index].source
    points = _bullets(text[text.index(SUMMARY_HEADING):])
    assert 3 <= len(points) <= 5, f"3-5 summary points, found {len(points)}"
    n_figures = len(figure_cells(notebook))
    headings = _headings(notebook)
    for point in points:
        numbers = [int(n) for match in FIGURE_REFERENCE.finditer(point) for n in match.groups() if n]
        sections = SECTION_REFERENCE.findall(point)
        assert numbers or sections, (
            f"summary point names neither a figure ('Figure N') nor a section (§ “heading”): {point!r}"
        )
        assert all(1 <= n <= n_figures for n in numbers), f"no such figure in {point!r}"
        assert all(section in headings for section in sections), f"no such section in {point!r}"


def test_exercises_are_graded_and_each_has_a_collapsed_solution(notebook):
    start = _section(notebook, EXERCISES_HEADING)
    assert start > _section(notebook, SUMMARY_HEADING), "the exercises follow the summary"
    exercises: list[tuple[int, str, list[nbformat.NotebookNode]]] = []
    for cell in notebook.cells[start + 1:]:
        match = EXERCISE.match(cell.source) if cell.cell_type == "markdown" else None
        if match:
            exercises.append((int(match.group(1)), match.group(2), []))
        elif is_solution(cell) and exercises:
            exercises[-1][2].append(cell)
    assert 2 <= len(exercises) <= 4, f"2-4 exercises, found {len(exercises)}"
    assert [number for number, _, _ in exercises] == list(range(1, len(exercises) + 1))
    levels = [LEVELS.index(level) if level in LEVELS else -1 for _, level, _ in exercises]
    assert min(levels) >= 0, f"each level is one of {LEVELS}"
    assert levels == sorted(levels) and len(set(levels)) >= 2, "graded: easier ones first"
    for number, _, solutions in exercises:
        assert solutions, f"exercise {number} has no solution cell (tag 'solution')"
        for cell in solutions:
            hidden = cell.metadata.get("jupyter", {})
            assert hidden.get("source_hidden"), f"exercise {number}: solution not collapsed in Jupyter"
            if cell.cell_type == "code":
                assert "hide-cell" in cell.metadata.tags, f"exercise {number}: not collapsed on the site"
                assert hidden.get("outputs_hidden"), f"exercise {number}: output not collapsed"
            else:
                assert cell.source.lstrip().startswith("<details>"), \
                    f"exercise {number}: a written solution opens with <details> (collapsed on the site)"
    assert any(c.cell_type == "code" for _, _, cells in exercises for c in cells), \
        "at least one solution computes (a code cell nbval runs)"


def test_no_markdown_cell_is_too_long(notebook):
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            words = len(cell.source.split())
            assert words <= MAX_WORDS, f"markdown cell {i} has {words} words (at most {MAX_WORDS})"


def test_figures_are_numbered_in_order(notebook):
    numbers = []
    for i, cell in figure_cells(notebook):
        found = FIGURE_IN_CODE.findall(cell.source)
        assert found, f"cell {i} draws a figure without 'Figure N' in its title"
        numbers.append(int(found[0]))
    assert numbers == list(range(1, len(numbers) + 1)), f"figures numbered {numbers}"


def _prose(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")


def test_every_equation_referred_to_is_numbered(notebook):
    text = _prose(notebook)
    tags = set(EQUATION_TAG.findall(text))
    for reference in EQUATION_REFERENCE.findall(text):
        assert reference in tags, f"equation ({reference}) is referred to but not numbered"


def check_one_numbering(number: str, text: str) -> None:
    """Raise AssertionError unless ``text`` (notebook ``number``'s prose) follows the series' numbering."""
    for tag in EQUATION_TAG.findall(text):
        own = re.fullmatch(r"(\d\d)\.\d+", tag)
        if own:
            assert own.group(1) == number, f"notebook {number} tags an equation ({tag}): use ({number}.k)"
        else:
            assert tag in PROBLEM_NUMBERS, (
                f"\\tag{{{tag}}}: a notebook's own equation is tagged ({number}.k); a bare number is "
                f"one of the notation page's problems {sorted(PROBLEM_NUMBERS)}"
            )
    for reference in EQUATION_REFERENCE.findall(text):
        assert re.fullmatch(r"\d\d\.\d+", reference), (
            f"equation ({reference}): the notation page's problems are called 'problem (n)', "
            f"a notebook's own equations 'equation (NN.k)'"
        )
    for reference in PROBLEM_REFERENCE.findall(text):
        assert reference in PROBLEM_NUMBERS, f"problem ({reference}) is not on the notation page"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_one_numbering_across_the_series(path):
    notebook = _read(path)
    check_one_numbering(path.name[:2], _prose(notebook))
    for i, cell in enumerate(notebook.cells):
        bare = [t for t in EQUATION_TAG.findall(cell.source) if t.isdigit()] \
            if cell.cell_type == "markdown" else []
        assert not bare or "notation" in cell.source, (
            f"cell {i} tags ({bare[0]}) without naming the notation page: a notebook's own "
            f"equation is ({path.name[:2]}.k)"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_each_notebook_is_one_class_session(path):
    text = _prose(_read(path))
    words = len(re.sub(r"\$[^$]*\$", "x", text).split())
    assert words <= MAX_PROSE_WORDS, (
        f"{path.name}: {words} words of prose; one class session is at most {MAX_PROSE_WORDS}: "
        "trim, or move internals to another notebook"
    )


def _printed(cell: nbformat.NotebookNode) -> str:
    return "".join(
        out.get("text", "") if out.get("output_type") == "stream"
        else out.get("data", {}).get("text/plain", "")
        for out in cell.get("outputs", [])
    )


def test_each_notebook_shows_its_algorithm_and_checks_it_against_the_helper(notebook):
    cells = [c for c in notebook.cells
             if c.cell_type == "code" and FROM_SCRATCH_TAG in c.metadata.get("tags", [])]
    assert cells, f"no code cell tagged {FROM_SCRATCH_TAG!r}: write the idea out, check it against the helper"
    for cell in cells:
        lines = [line for line in cell.source.splitlines() if line.strip()]
        assert len(lines) <= MAX_FROM_SCRATCH_LINES, f"{len(lines)} lines: the idea fits in about 40"
        printed = _printed(cell)
        assert "True" in printed and "False" not in printed, (
            f"the cell's own check against the helper is printed and holds: {printed[-200:]!r}"
        )


def test_prose_names_printed_values(notebook):
    found = LINE_POINTER.findall(_prose(notebook))
    assert not found, f"prose points at output by position {found}: name the value instead"


def test_the_structure_checks_fail_on_a_bare_notebook():
    bare = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 99 — Bare\n\nNo goals."),
        nbformat.v4.new_code_cell("1 + 1"),
    ])
    with pytest.raises(AssertionError, match="What you will learn"):
        test_each_notebook_opens_with_its_goals_and_what_it_assumes(bare)
    with pytest.raises(AssertionError, match="Summary"):
        test_each_notebook_ends_with_a_summary_that_points_to_where_it_is_shown(bare)
    long = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("word " * 181)])
    with pytest.raises(AssertionError, match="181 words"):
        test_no_markdown_cell_is_too_long(long)
    with pytest.raises(AssertionError, match="use \\(07.k\\)"):
        check_one_numbering("07", "$$ x \\tag{03.1} $$")
    with pytest.raises(AssertionError, match="bare number"):
        check_one_numbering("07", "$$ x \\tag{9} $$")
    with pytest.raises(AssertionError, match="problem \\(n\\)"):
        check_one_numbering("07", "$$ x \\tag{2} $$ as equation (2) says")
    with pytest.raises(AssertionError, match="from-scratch"):
        test_each_notebook_shows_its_algorithm_and_checks_it_against_the_helper(bare)
    with pytest.raises(AssertionError, match="first line"):
        test_prose_names_printed_values(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell("As the first line printed shows.")]))
