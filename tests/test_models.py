"""What models.py tells the type checker matches what peewee builds at run time."""

from __future__ import annotations

import ast
import pathlib

from peewee import AutoField

import models

SOURCE = pathlib.Path(models.__file__)


def _declared() -> dict[str, dict[str, str]]:
    """Each model's names declared under `if TYPE_CHECKING:` in its class body, with their types."""
    found: dict[str, dict[str, str]] = {}
    for node in ast.parse(SOURCE.read_text()).body:
        if not isinstance(node, ast.ClassDef):
            continue
        names = found.setdefault(node.name, {})
        for block in node.body:
            if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING":
                for line in block.body:
                    assert isinstance(line, ast.AnnAssign), ast.unparse(line)
                    names[ast.unparse(line.target)] = ast.unparse(line.annotation)
    return found


def _built(model: type[models.BaseModel]) -> dict[str, str]:
    """The raw foreign-key ids and the backrefs peewee adds to a model, typed as declared."""
    names = {}
    for fk in model._meta.refs:
        names[fk.object_id_name] = "int | None" if fk.null else "int"
    for fk in model._meta.backrefs:
        names[fk.backref] = f"ModelSelect[{fk.model.__name__}]"
    return names


def test_every_model_declares_what_peewee_adds_and_nothing_else():
    declared = _declared()
    for model in models.ALL_MODELS:
        assert declared.get(model.__name__, {}) == _built(model), model.__name__
        for name in _built(model):
            assert hasattr(model, name), (model.__name__, name)  # peewee really adds it


def test_every_model_keys_on_the_id_peewee_would_add():
    for model in models.ALL_MODELS:
        pk = model._meta.primary_key
        assert type(pk) is AutoField and pk.name == pk.column_name == "id", model.__name__
        assert not model._meta.composite_key
