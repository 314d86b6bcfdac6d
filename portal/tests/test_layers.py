"""The layers: portal and credit are the floor; listings and inspections build on them.
A lower app never imports a higher one, not even inside a function: it offers a registry
(credit.sections, credit.hooks) or a signal (credit.publication.published) instead."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
FLOOR = ("portal", "credit")
HIGHER = ("listings", "inspections", "following")


def _imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module", "__import__"
        ):
            # importlib.import_module("listings...") is the same dependency in disguise.
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield node.lineno, arg.value


def _floor_modules():
    for package in FLOOR:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield path


def test_the_floor_imports_no_higher_app():
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _floor_modules()
        for line, module in _imported_modules(path)
        if module.split(".")[0] in HIGHER
    ]
    assert offending == []


def test_the_check_sees_an_upward_import(tmp_path):
    # The test above must be able to fail: the same reader finds each form of import.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import listings.models\nfrom inspections import draw\n"
        "def f():\n    from listings.selectors import x\n    importlib.import_module('inspections.demo')\n"
    )
    assert [module for _, module in _imported_modules(sample)] == [
        "listings.models", "inspections", "listings.selectors", "inspections.demo"
    ]


def test_listings_and_inspections_import_no_following():
    # following/ sits on top: it reads every app's events; none of them knows it.
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for package in ("listings", "inspections")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
        for line, module in _imported_modules(path)
        if module.split(".")[0] == "following"
    ]
    assert offending == []
