"""What changed between two models, one readable line per setting."""

from __future__ import annotations

from typing import Any

from lib.model.io import model_to_dict
from lib.model.scoring_model import AttributeRule, ScoringModel, attribute_rule_label

# attribute_rules are diffed rule by rule (_rule_changes), not as one list
_LEFT_OUT = ("version", "author", "note", "created_at", "attribute_rules")
_TABLES = ("behavior_points", "intent_points", "policies")
_LEAF_LABELS = {
    "mql_threshold": "MQL threshold",
    "sql_threshold": "SQL threshold",
    "half_life_days": "decay half-life (days)",
    "sla_hours": "SLA hours",
    "pillar_weights": "weight of",
}


def _flatten(value: Any, parts: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Return {path parts: leaf value}; lists stay whole leaves."""
    if isinstance(value, dict):
        out: dict[tuple[str, ...], Any] = {}
        for key, item in value.items():
            out |= _flatten(item, (*parts, str(key)))
        return out
    return {parts: value}


def _label(parts: tuple[str, ...]) -> str:
    """Return a path people read: 'mid_market MQL threshold', 'pricing_page_view points'."""
    shown = parts[1:] if parts[0] in _TABLES and len(parts) > 1 else parts
    return " ".join(_LEAF_LABELS.get(p, p) for p in shown)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def model_diff(old: ScoringModel, new: ScoringModel) -> list[str]:
    """Return a readable line per changed setting, e.g. 'mid_market MQL threshold 50 → 55'."""
    before = {k: v for k, v in model_to_dict(old).items() if k not in _LEFT_OUT}
    after = {k: v for k, v in model_to_dict(new).items() if k not in _LEFT_OUT}
    flat_old, flat_new = _flatten(before), _flatten(after)
    lines = []
    for path in list(flat_old) + [p for p in flat_new if p not in flat_old]:
        if path not in flat_new:
            lines.append(f"{_label(path)} removed (was {_show(flat_old[path])})")
        elif path not in flat_old:
            lines.append(f"{_label(path)} added: {_show(flat_new[path])}")
        elif flat_old[path] != flat_new[path]:
            lines.append(f"{_label(path)} {_show(flat_old[path])} → {_show(flat_new[path])}")
    return lines + _rule_changes(old.attribute_rules, new.attribute_rules)


def _rule_words(rule: AttributeRule) -> str:
    score = "grade" if rule.score == "grade" else "behaviour"
    return f"{attribute_rule_label(rule)} ({rule.points:+g} {score} points)"


def _rule_changes(old: tuple[AttributeRule, ...], new: tuple[AttributeRule, ...]) -> list[str]:
    """Return a line per attribute rule removed or added (an edited rule is both)."""
    removed = [f"attribute rule removed: {_rule_words(r)}" for r in old if r not in new]
    return removed + [f"attribute rule added: {_rule_words(r)}" for r in new if r not in old]
