"""The catalog is the only place that knows a parameter: its name, its default, its old name.

Everything else asks the catalog (``spec.params``, ``with_defaults``,
``LocalPreviewValues``, ``special_label``…). This test reads the source of every
module outside ``engine/catalog`` and fails where one looks a parameter up by
name (``x["fps"]``, ``x.get("fps", 24)``), compares with one (``key == "seed"``),
builds a dict keyed by one, or names a model in a call (``set_model("wan")``).
"""

from __future__ import annotations

import ast
import dataclasses

from scenemaker_desktop.engine.catalog import MODELS, SESSION_PARAMS, LocalPreviewValues
from scenemaker_desktop.engine.catalog.models import LOCAL
from tests.conftest import REPO

PACKAGE = REPO / "scenemaker_desktop"
CATALOG = PACKAGE / "engine" / "catalog"
# Same word, another meaning: each entry says which.
ALLOWED = {
    ("cli_report.py", "chains"): "the --json list of chains, a documented output",
    ("engine/story/plan.py", "chains"): "the plan file's beat count, a documented format",
    ("engine/backends/camera_path.py", "motion_strength"): "a camera path's saved state",
    ("engine/backends/local.py", "fps"): "a rendered clip's saved state",
    ("engine/backends/local.py", "aspect_ratio"): "a rendered clip's saved state",
}
LOOKUPS = ("get", "pop", "setdefault")


def _parameter_names() -> set[str]:
    params = [p for spec in MODELS for p in spec.params] + list(SESSION_PARAMS)
    return {
        name for p in params for name in (p.key, p.fal_field, p.legacy_field) if name is not None
    }


class _Finder(ast.NodeVisitor):
    def __init__(self, names: set[str], model_ids: set[str]) -> None:
        self.names, self.model_ids = names, model_ids
        self.found: list[tuple[int, str, str]] = []

    def _check(self, node: ast.AST | None, how: str, pool: set[str]) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in pool:
            self.found.append((node.lineno, how, node.value))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self._check(node.slice, "looked up", self.names)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr in LOOKUPS and node.args:
            self._check(node.args[0], "looked up", self.names)
        for argument in node.args:
            self._check(argument, "passed", self.model_ids)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for operand in (node.left, *node.comparators):
            self._check(operand, "compared", self.names | self.model_ids)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key in node.keys:
            self._check(key, "used as a key", self.names)
        self.generic_visit(node)


def _offences(source: str, names: set[str], model_ids: set[str]) -> list[tuple[int, str, str]]:
    finder = _Finder(names, model_ids)
    finder.visit(ast.parse(source))
    return finder.found


def test_no_module_outside_the_catalog_knows_a_parameter_or_a_model_by_name():
    names, model_ids = _parameter_names(), {spec.id for spec in MODELS}
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if CATALOG in path.parents:
            continue
        relative = path.relative_to(PACKAGE).as_posix()
        for line, how, name in _offences(path.read_text(encoding="utf-8"), names, model_ids):
            if (relative, name) not in ALLOWED:
                offences.append(f"{relative}:{line}: {name!r} {how}")
    assert offences == []


def test_the_finder_catches_each_way_of_restating_a_parameter():
    source = """
fps = params.get("fps", 24)
strength = params["motion_strength"]
if param.key == "seed":
    pass
body = {"num_inference_steps": 30}
panel.set_model("wan")
"""
    found = _offences(source, _parameter_names(), {spec.id for spec in MODELS})
    assert [(how, name) for _, how, name in found] == [
        ("looked up", "fps"),
        ("looked up", "motion_strength"),
        ("compared", "seed"),
        ("used as a key", "num_inference_steps"),
        ("passed", "wan"),
    ]


def test_every_allowed_word_is_still_used_where_it_is_allowed():
    names, model_ids = _parameter_names(), {spec.id for spec in MODELS}
    for relative, name in ALLOWED:
        source = (PACKAGE / relative).read_text(encoding="utf-8")
        assert name in {word for _, _, word in _offences(source, names, model_ids)}, relative


def test_local_preview_values_are_exactly_the_local_parameters():
    fields = [f.name for f in dataclasses.fields(LocalPreviewValues)]
    assert fields == [p.key for p in LOCAL.params]
    assert LocalPreviewValues.of({}) == LocalPreviewValues(**LOCAL.defaults())
