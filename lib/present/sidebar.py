"""What the shared sidebar tells a session about the shared workspace changing under it.

Qualify is one team workspace: an upload or a publish in any session, or by the CLI, changes
what every session shows at its next run. The sidebar says so once, in the session it surprised.
"""

from __future__ import annotations

import pandas as pd


def model_change_text(history: pd.DataFrame, seen: int, current: int) -> str:
    """Return 'Version 4 was published by Ann at 26 Nov 2026 14:02 UTC since you last looked…'
    for the versions after `seen` up to `current`; history is model_history() output."""
    newer = history[(history["version"] > seen) & (history["version"] <= current)]
    if newer.empty:  # a workspace restored from a backup can go back
        return f"The published model is now version {current}: every page now scores with it."
    last = newer.iloc[-1]
    what = f"version {current}"
    if pd.notna(last["restored_from"]):
        what += f" (version {int(last['restored_from'])} restored)"
    author = last["author"] if isinstance(last["author"], str) and last["author"] else "someone"
    by = f"by {author} at {pd.Timestamp(last['created_at']):%d %b %Y %H:%M} UTC"
    if len(newer) == 1:
        text = f"V{what[1:]} was published {by} since you last looked"
    else:
        text = (
            f"{len(newer)} versions were published since you last looked, the newest, {what}, {by}"
        )
    return text + ": every page now scores with it."
