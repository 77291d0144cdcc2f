"""Attribute rules a recalibration learns: kept lead attributes as 0/1 level columns for the
logistic fit, and the fitted effects mapped back to readable rules with points.

Encoding, learned on the training leads only:
- a category: a column per value seen on MIN_LEVEL training leads or more (values compared as
  rules compare them: ignoring case and surrounding spaces); the rarer values pooled into one
  level (an `any_of` rule) when at most MAX_POOLED of them, else left at 0 points. Left out
  when ID-like (most filled leads carry a value seen on fewer than MIN_LEVEL) or when more than
  MAX_LEVELS values are common (a few hundred deals cannot weigh that many);
- a boolean: true and false;
- a number: up to NUMBER_BINS quantile bins, edges rounded to two significant digits so a rule
  reads "TotalVisits from 3 to under 7", bins under MIN_LEVEL leads merged with a neighbour;
- blank, as its own level, when MIN_LEVEL training leads have no value;
- a date is left out: what it means depends on when it was recorded, which an export does not
  say.
An attribute whose levels' outcome rates differ no more than chance would (a chi-square test of
levels by outcome with p >= SCREEN_P, the screen of Hosmer and Lemeshow's purposeful selection)
is left out too: it would spend the fit's few wins on noise. Points go to the score the model's
existing rules on that attribute add to, else to the grade.

Shrinkage. No reference level is dropped: every level keeps its column, centred and divided by
LEVEL_SCALE (0.5, the spread of a 50/50 flag) rather than by its own spread, so the tuned L2
penalty weighs each level's log-odds per lead alike. A level seen on few leads then has little
data against the same penalty and is pulled toward the average lead more than a common one (as
a random effect is), and no level is favoured by being the one left out.

Points. Each attribute's most common level scores 0 and every other level its log-odds over
it (above or below), divided by the log-odds one point of the pillar it adds to is worth (so
points move the score as much as the fit says), capped so that they push at most a few percent
of the training leads' pillar past 0 or 100, where clipping flattens their differences: of the
caps in CLIPPED_SHARES, recalibration keeps the one whose model ranks the training leads best.
Levels whose points round alike are merged into one rule (`any_of`, or one range of adjacent
bins); those rounding to 0 get no rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from lib.evaluate.attributes import MIN_LEVEL
from lib.model import AttributeRule, ScoringModel

MAX_LEVELS = 25
MAX_POOLED = 12  # more rare values than this and an any_of rule stops reading as a rule
NUMBER_BINS = 4  # quartiles, as the attribute levels table shows them
LEVEL_SCALE = 0.5
ID_LIKE_SHARE = 0.5  # this share of filled leads on rare values and a column names, not groups
SCREEN_P = 0.25  # Hosmer & Lemeshow's purposeful selection: enter a candidate when p < 0.25
LEVEL_PREFIX = "level: "  # a design column holding one attribute level (0/1)
PILLAR_RANGE = 100.0
# the shares of training leads attribute points may push past a pillar's 0 or 100, tried in turn
CLIPPED_SHARES = (0.02, 0.05, 0.1, 0.2)
MAX_POINTS_PER_LOG_ODD = 1_000.0
RuleScore = Literal["grade", "behavior"]


@dataclass(frozen=True)
class Level:
    """One attribute level fitted as a 0/1 column: category values, a number range [low, high),
    a boolean value, or blank."""

    attribute: str
    words: str  # after the attribute's name: "is Referral", "from 3 to under 7"
    values: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    flag: bool | None = None
    blank: bool = False
    leads: int = 0  # training leads in the level

    @property
    def column(self) -> str:
        """Return the design column's name."""
        return f"{LEVEL_PREFIX}{self.attribute} {self.words}"


@dataclass(frozen=True)
class AttributeEncoding:
    """The levels fitted per attribute, the rule score each attribute's points go to, and the
    attributes left out with why."""

    levels: tuple[Level, ...]
    scores: Mapping[str, RuleScore] = field(default_factory=dict)
    left_out: Mapping[str, str] = field(default_factory=dict)

    @property
    def attributes(self) -> list[str]:
        """Return the attributes fitted, in order."""
        return list(dict.fromkeys(level.attribute for level in self.levels))


def _missing(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        return np.asarray(np.isnan(values), dtype=bool)
    return np.asarray(pd.isna(values), dtype=bool)


def _text_keys(values: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Return per lead its value's key code (-1 blank), each key's display spelling (the most
    common one) and each key's count; factorised once, so the work is per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    keys, key_of = np.unique([str(u).strip().lower() for u in uniques], return_inverse=True)
    lead_key = np.where(codes >= 0, key_of[np.maximum(codes, 0)], -1) if len(uniques) else codes
    raw_counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    display = [""] * len(keys)
    best = np.full(len(keys), -1)
    for i, spelling in enumerate(uniques):
        if raw_counts[i] > best[key_of[i]]:
            best[key_of[i]], display[key_of[i]] = raw_counts[i], str(spelling).strip()
    return lead_key, display, np.bincount(lead_key[lead_key >= 0], minlength=len(keys))


def category_levels(name: str, values: np.ndarray) -> tuple[list[Level], str]:
    """Return a category's levels on the training leads, or ([], why it is left out)."""
    _, display, counts = _text_keys(values)
    filled = int(counts.sum())
    common = counts >= MIN_LEVEL
    if filled and counts[~common].sum() > ID_LIKE_SHARE * filled:
        return [], (
            f"ID-like: {len(counts):,} distinct values on {filled:,} training leads, most of "
            f"them on fewer than {MIN_LEVEL} leads"
        )
    if common.sum() > MAX_LEVELS:
        return [], (
            f"too many values: {int(common.sum())} are on {MIN_LEVEL}+ training leads "
            f"(at most {MAX_LEVELS} are fitted)"
        )
    order = np.argsort(-counts, kind="stable")
    levels = [Level(name, f"is {display[i]}", values=(display[i],)) for i in order if common[i]]
    rare = [display[i] for i in order if not common[i]]
    if rare and len(rare) <= MAX_POOLED and counts[~common].sum() >= MIN_LEVEL:
        levels.append(Level(name, f"is one of {', '.join(rare)}", values=tuple(rare)))
    return levels, ""


def flag_levels(name: str, values: np.ndarray) -> list[Level]:
    """Return a boolean's true and false levels with MIN_LEVEL training leads or more."""
    return [
        Level(name, f"is {str(flag).lower()}", flag=flag)
        for flag in (True, False)
        if int(np.sum(values == float(flag))) >= MIN_LEVEL
    ]


def _readable(edge: float) -> float:
    """Return an edge rounded to two significant digits (whole numbers stay whole)."""
    return float(f"{edge:.2g}")


def bin_edges(values: np.ndarray) -> np.ndarray:
    """Return the inner edges of up to NUMBER_BINS quantile bins of the filled values, rounded
    to read well, each bin holding MIN_LEVEL values or more."""
    filled = np.sort(values[~np.isnan(values)])
    if not len(filled):
        return np.array([], dtype="float64")
    # "higher": each edge a value the data holds, so whole numbers keep whole edges
    quantiles = np.quantile(filled, np.arange(1, NUMBER_BINS) / NUMBER_BINS, method="higher")
    edges = sorted(e for e in {_readable(q) for q in quantiles} if filled[0] < e <= filled[-1])
    while edges:
        counts = np.diff(np.searchsorted(filled, [-np.inf, *edges, np.inf], side="left"))
        small = int(np.argmin(counts))
        if counts[small] >= MIN_LEVEL:
            break
        # merge the smallest bin into its smaller neighbour: drop the edge between them
        left = small > 0 and (small == len(edges) or counts[small - 1] <= counts[small + 1])
        edges.pop(small - 1 if left else small)
    return np.array(edges, dtype="float64")


def numeric_id(values: np.ndarray) -> str:
    """Return why a number column is an ID (every lead its own whole number, as a lead number
    is: its bins would rank leads by when they were numbered), or ''."""
    filled = values[~np.isnan(values)]
    if len(filled) < MIN_LEVEL or np.any(filled != np.round(filled)):
        return ""
    if len(np.unique(filled)) < len(filled):
        return ""
    return f"ID-like: every one of its {len(filled):,} training leads has its own whole number"


def number_levels(name: str, values: np.ndarray) -> list[Level]:
    """Return a number's quantile bins as levels ([low, high) ranges)."""
    edges = bin_edges(values)
    if not len(edges):
        return []
    bounds = [None, *edges.tolist(), None]
    levels = []
    for low, high in zip(bounds[:-1], bounds[1:], strict=True):
        if low is None:
            words = f"under {high:g}"
        elif high is None:
            words = f"{low:g} or more"
        else:
            words = f"{low:g} to under {high:g}"  # short: the table of signals must fit
        levels.append(Level(name, words, low=low, high=high))
    return levels


def attribute_encoding(
    values: Mapping[str, np.ndarray],
    kinds: Mapping[str, str],
    scores: Mapping[str, RuleScore],
    left_out: Mapping[str, str] | None = None,
    won: np.ndarray | None = None,
) -> AttributeEncoding:
    """Return the levels to fit for each attribute in `values` (training leads; numbers and
    booleans float64 with NaN missing, text object with None) by its kind, each with its
    training leads, the score its points go to (`scores`, grade when not given), and why the
    others are left out (starting from `left_out`, attributes not encoded at all); with the
    training outcome `won`, attributes with no sign of mattering are screened out."""
    reasons = dict(left_out or {})
    levels: list[Level] = []
    for name, column in values.items():
        if name in reasons:
            continue
        found, why = _levels(name, kinds.get(name, "category"), column)
        if why or len(found) < 2:
            reasons[name] = why or f"one value on nearly every training lead (< {MIN_LEVEL} differ)"
            continue
        code = level_codes(found, column)
        leads = np.bincount(code, minlength=len(found) + 1)
        p = 0.0 if won is None else screen_p(code, leads, won)
        if p >= SCREEN_P:
            reasons[name] = (
                "no sign it matters: the outcome's rate differs across its values no more than "
                f"chance would (chi-square p = {p:.2f} >= {SCREEN_P})"
            )
            continue
        levels += [replace(lv, leads=int(n)) for lv, n in zip(found, leads, strict=False)]
    fitted = dict.fromkeys(level.attribute for level in levels)
    return AttributeEncoding(
        tuple(levels), {name: scores.get(name, "grade") for name in fitted}, reasons
    )


def _levels(name: str, kind: str, column: np.ndarray) -> tuple[list[Level], str]:
    """Return an attribute's candidate levels by its kind (blank last), or why it has none."""
    if kind == "date":
        return [], "a date: what it says depends on when it was recorded, so it is not fitted"
    found, why = [], ""
    if kind == "number":
        why = numeric_id(column)
        found = [] if why else number_levels(name, column)
    elif kind == "boolean":
        found = flag_levels(name, column)
    else:
        found, why = category_levels(name, column)
    if found and int(_missing(column).sum()) >= MIN_LEVEL:
        found.append(Level(name, "is blank", blank=True))
    return found, why


def screen_p(code: np.ndarray, leads: np.ndarray, won: np.ndarray) -> float:
    """Return the chi-square test's p-value of level (`code`, `leads` per code) by outcome."""
    wins = np.bincount(code, weights=won.astype("float64"), minlength=len(leads))
    table = np.column_stack([wins, leads - wins])[leads > 0]
    if len(table) < 2 or (table.sum(axis=0) == 0).any():
        return 1.0
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def level_codes(levels: list[Level], values: np.ndarray) -> np.ndarray:
    """Return per lead the index of the level its value falls in (rules read values the same
    way), len(levels) for none; one attribute's levels, vectorised over leads."""
    none = len(levels)
    code = np.full(len(values), none, dtype=np.int64)
    missing = _missing(values)
    for i, level in enumerate(levels):
        if level.blank:
            code[missing] = i
        elif level.flag is not None:
            code[values == float(level.flag)] = i
        elif level.low is not None or level.high is not None:
            low = -np.inf if level.low is None else level.low
            high = np.inf if level.high is None else level.high
            with np.errstate(invalid="ignore"):
                code[(values >= low) & (values < high)] = i
    listed = {v.lower(): i for i, level in enumerate(levels) for v in level.values}
    if listed:
        lead_key, display, _ = _text_keys(values)
        by_key = np.array([listed.get(d.lower(), none) for d in display] + [none], dtype=np.int64)
        code = np.where(missing, code, by_key[lead_key])
    return code


def level_hits(level: Level, values: np.ndarray) -> np.ndarray:
    """Return per lead whether its value falls in the level."""
    return np.asarray(level_codes([level], values) == 0, dtype=bool)


def level_columns(encoding: AttributeEncoding, values: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Return one 0/1 float column per encoded level for the leads of `values`."""
    n = len(next(iter(values.values()))) if values else 0
    columns: dict[str, np.ndarray] = {}
    for name in encoding.attributes:
        levels = [lv for lv in encoding.levels if lv.attribute == name]
        code = level_codes(levels, values.get(name, np.full(n, np.nan)))
        columns |= {lv.column: (code == i).astype("float64") for i, lv in enumerate(levels)}
    return pd.DataFrame(columns, index=pd.RangeIndex(n))


def points_per_log_odds(
    encoding: AttributeEncoding,
    effects: Mapping[str, float],
    per_point: Mapping[str, float],
    pillars: Mapping[str, np.ndarray],
    columns: pd.DataFrame,
    clipped_share: float = CLIPPED_SHARES[0],
) -> dict[str, float]:
    """Return per score (grade, behavior) the points one log-odd is worth: 1 / the fitted log-odds
    per point of that score's pillar (`per_point`), capped (`room`) so the points push at most
    `clipped_share` of the training leads' pillar (`pillars`, before attribute rules) past 0 or
    100 (`columns`: their level columns). The cap alone when the pillar has no positive effect
    (a grade all leads share, in an export with no firmographics)."""
    scale: dict[str, float] = {}
    for score in dict.fromkeys(encoding.scores.values()):
        levels = [lv for lv in encoding.levels if encoding.scores[lv.attribute] == score]
        relative = np.array([effects[lv.column] - _typical(encoding, lv, effects) for lv in levels])
        summed = columns[[lv.column for lv in levels]].to_numpy() @ relative
        slope = per_point.get(score, 0.0)
        own = 1.0 / slope if slope > 0 else np.inf
        scale[score] = float(min(own, room(pillars[score], summed, clipped_share)))
    return scale


def _typical(encoding: AttributeEncoding, level: Level, effects: Mapping[str, float]) -> float:
    """Return the effect of the most common level of the level's attribute (its 0 points)."""
    same = [lv for lv in encoding.levels if lv.attribute == level.attribute]
    return effects[max(same, key=lambda lv: lv.leads).column]


def room(pillar: np.ndarray, summed: np.ndarray, clipped_share: float) -> float:
    """Return the largest points per log-odd k under which at most `clipped_share` of the leads
    with a pillar inside (0, 100) leave it at pillar + k * summed (bisection; at most
    MAX_POINTS_PER_LOG_ODD)."""
    inside = (pillar > 0) & (pillar < PILLAR_RANGE)
    base, push = pillar[inside], summed[inside]

    def clipped(k: float) -> float:
        moved = base + k * push
        return float(np.mean((moved < 0) | (moved > PILLAR_RANGE))) if len(moved) else 0.0

    if not np.any(push) or clipped(MAX_POINTS_PER_LOG_ODD) <= clipped_share:
        return MAX_POINTS_PER_LOG_ODD
    low, high = 0.0, MAX_POINTS_PER_LOG_ODD
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if clipped(middle) <= clipped_share else (low, middle)
    return low


def attribute_words(name: str) -> str:
    """Return an attribute's name as a label reads it: a Salesforce custom field's `__c` and
    underscores dropped (Partner_Tier__c -> Partner Tier); other names as they are."""
    if not name.endswith("__c"):
        return name
    return " ".join(name.removesuffix("__c").replace("_", " ").split())


def level_labels(encoding: AttributeEncoding) -> dict[str, str]:
    """Return per level column the words a table of signals shows for it."""
    return {lv.column: f"{attribute_words(lv.attribute)} {lv.words}" for lv in encoding.levels}


def _rule(levels: list[Level], points: float, score: RuleScore) -> AttributeRule:
    """Return one rule for levels of one attribute that earn the same points."""
    first, name = levels[0], levels[0].attribute
    said = attribute_words(name)
    if first.blank:
        return AttributeRule(name, points, score, f"{said} is blank", blank=True)
    if first.flag is not None:
        return AttributeRule(name, points, score, f"{said} {first.words}", equals=first.flag)
    if first.values:
        values = tuple(v for level in levels for v in level.values)
        if len(values) == 1:
            return AttributeRule(name, points, score, f"{said} is {values[0]}", equals=values[0])
        return AttributeRule(
            name, points, score, f"{said} is one of {', '.join(values)}", any_of=values
        )
    low, high = levels[0].low, levels[-1].high
    if low is None:
        text = f"{said} under {high:g}"
    elif high is None:
        text = f"{said} {low:g} or more"
    else:
        text = f"{said} from {low:g} to under {high:g}"
    return AttributeRule(name, points, score, text, at_least=low, below=high)


def rounded_points(value: float) -> float:
    """Return points rounded to read well: whole points, halves under 5."""
    return float(round(value * 2) / 2) if abs(value) < 5 else float(round(value))


def attribute_rules(
    encoding: AttributeEncoding, effects: Mapping[str, float], scale: Mapping[str, float]
) -> tuple[AttributeRule, ...]:
    """Return readable rules from fitted log-odds per level (`effects` by design column): points
    over each attribute's most common level, times the score's points per log-odd; equal points
    merged, zero points left out."""
    rules: list[AttributeRule] = []
    for name in encoding.attributes:
        levels = [lv for lv in encoding.levels if lv.attribute == name]
        score = encoding.scores[name]
        fitted = np.array([effects[lv.column] for lv in levels])
        # the most common level scores 0: the typical lead keeps its grade, and points above and
        # below it leave the pillar room both ways before it clips at 0 or 100
        typical = _typical(encoding, levels[0], effects)
        points = [rounded_points((f - typical) * scale[score]) for f in fitted]
        rules += _merged_rules(levels, points, score)
    return tuple(rules)


def _merged_rules(
    levels: list[Level], points: list[float], score: RuleScore
) -> list[AttributeRule]:
    """Return rules for one attribute's levels: adjacent number bins and category values with
    the same points merged, blank and boolean levels on their own, zero points dropped."""
    rules = []
    ranges = [
        (lv, p)
        for lv, p in zip(levels, points, strict=True)
        if lv.low is not None or lv.high is not None
    ]
    runs: list[tuple[list[Level], float]] = []
    for level, p in ranges:
        if runs and runs[-1][1] == p:
            runs[-1][0].append(level)
        else:
            runs.append(([level], p))
    rules += [_rule(run, p, score) for run, p in runs if p]
    by_points: dict[float, list[Level]] = {}
    for level, p in zip(levels, points, strict=True):
        if level.values and p:
            by_points.setdefault(p, []).append(level)
    rules += [_rule(group, p, score) for p, group in by_points.items()]
    rules += [
        _rule([lv], p, score)
        for lv, p in zip(levels, points, strict=True)
        if (lv.blank or lv.flag is not None) and p
    ]
    return sorted(rules, key=lambda r: -r.points)


def rules_on_other_attributes(
    model: ScoringModel, attributes: list[str]
) -> tuple[AttributeRule, ...]:
    """Return the model's attribute rules on other attributes than these (kept as they are)."""
    return tuple(r for r in model.attribute_rules if r.attribute not in set(attributes))


def rule_scores(model: ScoringModel) -> dict[str, RuleScore]:
    """Return per attribute the score its existing rules add to (the first rule's)."""
    scores: dict[str, RuleScore] = {}
    for rule in model.attribute_rules:
        scores.setdefault(rule.attribute, rule.score)
    return scores
