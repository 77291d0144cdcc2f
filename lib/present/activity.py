"""The Activity page's and the CLI's log in words: who, how they reached it, what, the counts."""

from __future__ import annotations

import pandas as pd

from lib.access import (
    APP,
    COMMAND_LINE,
    LOCAL,
    PERMISSIONS,
    ROLES,
    SIGN_IN,
    AccessRules,
    permissions_for,
)

VIA_WORDS = {
    SIGN_IN: "sign-in",
    COMMAND_LINE: "command line",
    LOCAL: "app without sign-in",
    APP: "the app, on its own",
}
NOT_RECORDED = "not recorded"


def who_and_via(identity: str | None, author: str | None) -> tuple[str, str]:
    """Return who acted and how they reached the workspace, from a recorded identity
    ('oidc:ana@acme.com'); before identities were recorded, the name given, marked as such."""
    if not identity:
        return (f"{author} (name given)" if author else NOT_RECORDED), NOT_RECORDED
    via, _, name = identity.partition(":")
    return name, VIA_WORDS.get(via, via)


def count_text(value: int | None, unit: str) -> str:
    """Return '20,000 records' or 'version 3' ('the default model' for version 0); '' for none."""
    if value is None or pd.isna(value):
        return ""
    if unit == "model version":
        return f"version {value}" if value else "the default model"
    return f"{value:,} {unit}"


def log_in_words(log: pd.DataFrame) -> pd.DataFrame:
    """Return the activity log as people read it: one row per action, newest first."""
    people = [who_and_via(i, a) for i, a in zip(log["identity"], log["author"], strict=True)]
    return pd.DataFrame(
        {
            "When (UTC)": pd.to_datetime(log["at"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "Who": [who for who, _ in people],
            "Via": [via for _, via in people],
            "Action": log["action"],
            "What": log["what"],
            "Before": [count_text(v, u) for v, u in zip(log["before"], log["unit"], strict=True)],
            "After": [count_text(v, u) for v, u in zip(log["after"], log["unit"], strict=True)],
            "Name given": log["author"].fillna(""),
            "Note": log["note"].fillna(""),
        }
    )


def text_table(frame: pd.DataFrame) -> str:
    """Return the frame as left-aligned plain-text columns, headers first, for a terminal."""
    cells = [list(frame.columns), *frame.astype(str).values.tolist()]
    widths = [max(len(row[i]) for row in cells) for i in range(len(frame.columns))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def filtered_log(log: pd.DataFrame, actions: list[str], people: list[str]) -> pd.DataFrame:
    """Return the rows of the log in words with one of these actions and people (none: all)."""
    keep = pd.Series(True, index=log.index)
    if actions:
        keep &= log["Action"].isin(actions)
    if people:
        keep &= log["Who"].isin(people)
    return log[keep]


def rules_in_words(rules: AccessRules) -> pd.DataFrame:
    """Return who gets which role: each email, each domain, then anyone else signed in."""
    rows = [(f"email {e}", r) for e, r in rules.emails.items()]
    rows += [(f"anyone at {d}", r) for d, r in rules.domains.items()]
    rows.append(("anyone else signed in", rules.unknown or "no access"))
    return pd.DataFrame(rows, columns=["Who", "Role"])


def permissions_in_words(rules: AccessRules) -> pd.DataFrame:
    """Return what each permission allows and the roles holding it under these rules."""
    return pd.DataFrame(
        [
            (p.allows, ", ".join(r for r in ROLES if name in permissions_for(r, rules)))
            for name, p in PERMISSIONS.items()
        ],
        columns=["Allows", "Roles"],
    )


def rules_source(rules: AccessRules, path: object) -> str:
    """Return where the rules in force were read from, or that there is no file."""
    if rules.source is None:
        return f"No access file at {path}: nobody signed in has a role."
    return f"Read from {rules.source} at every click; a change applies at once."
