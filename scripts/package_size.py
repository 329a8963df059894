"""How large the ``helpers`` package is, and which public names something outside tests uses.

Usage (from the repository root)::

    python scripts/package_size.py            # the numbers, and the public names nothing calls
    python scripts/package_size.py --callers  # also every public name with the files using it
    python scripts/package_size.py --root DIR # another checkout (``git archive`` of a commit)

Definitions (the same before and after a change, so the numbers compare):

- *package lines*: all lines of ``helpers/**/*.py``; *code lines*: those that are neither blank
  nor only a comment (docstrings count as code).
- *public name*: a function or class defined at the top level of a ``helpers`` module (private
  modules such as ``attacks/_checks.py`` included) whose name does not begin with ``_``.
  Re-exports (``from helpers.x import y`` in an ``__init__.py``) are not definitions.
- *caller*: a notebook's code cells (``notebooks/*.ipynb``), ``benchmarks/*.py``,
  ``scripts/*.py``, or another ``helpers`` module, whose code names it (as a name or an
  attribute, ``attacks.pgd``); or a notebook's prose that points the reader at it in code
  font (``helpers.adaptive.adaptive_pgd`` in backticks): what a notebook tells its reader to
  look up stays public. A name used only in its own module, or only by the tests, has no
  caller; nor does an ``__init__.py`` re-export, or an import into a module that never uses it.
  A class that a public function, or a public method of a public class, returns (its return
  annotation names it, e.g. ``DeepFoolResult``) has that function's (class's) callers: whoever
  calls the function receives one. The check reads names, not types: a local variable spelt
  like a public function counts as a use (it errs towards keeping a name).
- *notebook code lines*: the non-blank lines of the notebooks' code cells.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def package_files(root: Path = ROOT) -> list[Path]:
    """The package's modules, ``helpers/**/*.py``, sorted."""
    return sorted((root / "helpers").rglob("*.py"))


def _returned_names(function: ast.AST) -> set[str]:
    """The names in a function's return annotation (quoted ones included)."""
    returns = getattr(function, "returns", None)
    if returns is None:
        return set()
    return {part.id if isinstance(part, ast.Name) else part.value for part in ast.walk(returns)
            if isinstance(part, ast.Name)
            or (isinstance(part, ast.Constant) and isinstance(part.value, str))}


def public_definitions(path: Path) -> dict[str, set[str]]:
    """Functions and classes defined at the top level of ``path`` whose name has no ``_`` first,
    each with the names its return annotation holds (for a class: those of its public methods)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = _returned_names(node)
        elif isinstance(node, ast.ClassDef):
            found[node.name] = set().union(*(
                _returned_names(method) for method in node.body
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef))
                and not method.name.startswith("_")))
    return {name: returns for name, returns in found.items() if not name.startswith("_")}


def names_used(source: str) -> set[str]:
    """Every name ``source`` uses: bare names and attributes (imports alone do not count)."""
    tree = ast.parse(source)
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
    return used


def notebook_code(path: Path) -> str:
    """The code cells of a notebook, joined, with IPython magics and shell lines removed."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            lines += [line for line in source.splitlines()
                      if not line.lstrip().startswith(("%", "!"))]
            lines.append("")
    return "\n".join(lines)


def notebook_prose_names(path: Path) -> set[str]:
    """The identifiers inside code font (backticks) in a notebook's markdown cells."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    prose = "".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    return {name for code in re.findall(r"`([^`]+)`", prose)
            for name in re.findall(r"[A-Za-z_]\w*", code)}


def caller_sources(root: Path = ROOT) -> dict[str, str]:
    """The code of every caller file (see the module's docstring), by path relative to ``root``."""
    sources = {}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        sources[str(path.relative_to(root))] = notebook_code(path)
    for folder in ("benchmarks", "scripts"):
        for path in sorted((root / folder).glob("*.py")):
            sources[str(path.relative_to(root))] = path.read_text(encoding="utf-8")
    for path in package_files(root):
        if path.name != "__init__.py":
            sources[str(path.relative_to(root))] = path.read_text(encoding="utf-8")
    return sources


def callers(root: Path = ROOT) -> dict[str, list[str]]:
    """Every public name, as ``module.name``, with the caller files that use it (maybe none)."""
    used = {name: names_used(source) for name, source in caller_sources(root).items()}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        used[f"{path.relative_to(root)} (prose)"] = notebook_prose_names(path)
    found: dict[str, list[str]] = {}
    returned_by: dict[str, list[str]] = defaultdict(list)  # class name -> functions returning it
    for path in package_files(root):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        home = str(path.relative_to(root))
        for name, returns in public_definitions(path).items():
            found[f"{module}.{name}"] = [file for file, names in used.items()
                                         if file != home and name in names]
            for returned in returns:
                returned_by[returned].append(f"{module}.{name}")
    for qualified, files in found.items():
        name = qualified.rsplit(".", 1)[1]
        for function in returned_by.get(name, []):
            files += [file for file in found[function] if file not in files]
    return found


def uncalled(root: Path = ROOT) -> list[str]:
    """The public names that nothing outside the tests uses."""
    return [name for name, files in callers(root).items() if not files]


def summary(root: Path = ROOT) -> dict[str, int]:
    """The numbers this script prints (see the module's docstring)."""
    lines = [line for path in package_files(root)
             for line in path.read_text(encoding="utf-8").splitlines()]
    code = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    found = callers(root)
    by_notebooks = defaultdict(int)
    for files in found.values():
        by_notebooks[sum(file.endswith(".ipynb") for file in files)] += 1  # code cells
    notebook_lines = sum(
        len([line for line in notebook_code(path).splitlines() if line.strip()])
        for path in (root / "notebooks").glob("*.ipynb"))
    return {
        "package modules": len(package_files(root)),
        "package lines": len(lines),
        "package code lines (not blank, not comment)": len(code),
        "public functions and classes": len(found),
        "public names with no caller outside tests": sum(not files for files in found.values()),
        "public names used by no notebook's code": by_notebooks[0],
        "public names used by exactly one notebook's code": by_notebooks[1],
        "notebook code lines (non-blank)": notebook_lines,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", action="store_true",
                        help="list every public name with the files that use it")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the repository to measure (e.g. a `git archive` of another commit)")
    args = parser.parse_args(argv)
    for key, value in summary(args.root).items():
        print(f"{key}: {value}")
    found = callers(args.root)
    print("\npublic names with no caller outside tests:")
    for name, files in found.items():
        if not files:
            print(f"  {name}")
    if args.callers:
        print("\ncallers:")
        for name, files in found.items():
            print(f"  {name}: {', '.join(files) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
