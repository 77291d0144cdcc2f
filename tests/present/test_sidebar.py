"""What the sidebar tells a session whose model changed under it."""

from __future__ import annotations

import pandas as pd

from lib.present.sidebar import model_change_text

HISTORY = pd.DataFrame(
    {
        "version": [1, 2, 3],
        "created_at": pd.to_datetime(["2026-11-02 09:15", "2026-11-20 14:02", "2026-11-21 08:30"]),
        "author": ["Ana", None, "Ben"],
        "restored_from": [None, None, 1],
    }
)


def test_one_new_version_names_who_published_it_and_when():
    assert model_change_text(HISTORY, 1, 2) == (
        "Version 2 was published by someone at 20 Nov 2026 14:02 UTC since you last looked: "
        "every page now scores with it."
    )


def test_a_restore_says_which_version_came_back():
    assert model_change_text(HISTORY, 2, 3).startswith(
        "Version 3 (version 1 restored) was published by Ben at 21 Nov 2026 08:30 UTC"
    )


def test_several_new_versions_are_counted_and_the_newest_named():
    assert model_change_text(HISTORY, 0, 3) == (
        "3 versions were published since you last looked, the newest, version 3 (version 1 "
        "restored), by Ben at 21 Nov 2026 08:30 UTC: every page now scores with it."
    )


def test_a_version_older_than_the_one_seen_still_says_what_is_published_now():
    assert model_change_text(HISTORY, 3, 2) == (
        "The published model is now version 2: every page now scores with it."
    )
