"""Carry unsaved edits over to a newer published version: a three-way merge of settings."""

from __future__ import annotations

from typing import Any

from lib.model.io import model_from_dict, model_to_dict
from lib.model.scoring_model import ScoringModel

Path = tuple[str, ...]


def _leaves(value: Any, path: Path = ()) -> dict[Path, Any]:
    """Return {path: leaf} of a model dict; lists are leaves."""
    if isinstance(value, dict):
        out: dict[Path, Any] = {}
        for key, item in value.items():
            out |= _leaves(item, (*path, str(key)))
        return out
    return {path: value}


def _set(tree: dict[str, Any], path: Path, value: Any) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    tree[path[-1]] = value


def rebased(
    start: ScoringModel, edited: ScoringModel, published: ScoringModel
) -> tuple[ScoringModel, tuple[str, ...]]:
    """Return `published` with the settings `edited` changed since `start` applied on top, and
    the dotted paths both sides changed differently (the edit wins there); inputs not mutated."""
    base, mine = _leaves(model_to_dict(start)), _leaves(model_to_dict(edited))
    theirs_tree = model_to_dict(published)
    theirs = _leaves(theirs_tree)
    conflicts = []
    for path, value in mine.items():
        if base.get(path) == value:
            continue
        if path in theirs and theirs[path] != base.get(path) and theirs[path] != value:
            conflicts.append(".".join(path))
        _set(theirs_tree, path, value)
    merged = model_from_dict(theirs_tree)
    return merged, tuple(conflicts)
