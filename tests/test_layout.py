"""The layout holds: packages import in one direction only, and no import hides inside a function."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = {"api", "cli", "commands", "domain", "jobs", "ops", "pages", "storage", "webhooks"}
PACKAGES |= {"whatsapp"}
PACKAGES |= {"wocs", "models", "app", "bot"}
# Loaded on first use on purpose: boto3 is needed only when a bucket is configured.
LAZY = {("storage/__init__.py", "storage.s3")}


def _imports() -> list[tuple[str, str, ast.stmt, bool]]:
    """(file, imported module, node, inside a function) for every project import."""
    found = []
    for path in sorted(ROOT.glob("*.py")) + sorted(ROOT.glob("*/**/*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.split("/")[0] not in {p.removesuffix(".py") for p in PACKAGES} | {
            "app.py",
            "bot.py",
            "models.py",
        }:
            continue
        tree = ast.parse(path.read_text())
        nested = {
            id(inner)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(fn)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.split(".")[0] in PACKAGES:
                    found.append((rel, name, node, id(node) in nested))
    return found


def _package(rel: str) -> str:
    return rel.split("/")[0].removesuffix(".py")


def test_packages_import_each_other_in_one_direction():
    edges: dict[str, set[str]] = {}
    for rel, name, _node, _inside in _imports():
        source, target = _package(rel), name.split(".")[0]
        if source != target:
            edges.setdefault(source, set()).add(target)

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            step == goal or (step not in seen and reaches(step, goal, seen | {step}))
            for step in edges.get(start, ())
        )

    cycles = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if reaches(b, a)})
    assert cycles == [], f"packages importing each other: {cycles}"


def test_the_webhook_reads_meta_s_bodies_but_never_sends():
    """webhooks/ may use whatsapp.payload (the body shapes, no I/O), never a transport."""
    crossing = sorted(
        f"{rel}:{node.lineno} {name}"
        for rel, name, node, _inside in _imports()
        if rel.startswith("webhooks/")
        and name.startswith("whatsapp")
        and name != "whatsapp.payload"
    )
    assert crossing == []


def test_no_project_import_hides_inside_a_function():
    hidden = [
        f"{rel}:{node.lineno} {name}"
        for rel, name, node, inside in _imports()
        if inside and (rel, name) not in LAZY
    ]
    assert hidden == []
