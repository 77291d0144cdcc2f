"""Unsaved edits carried over to a newer published version: a three-way merge."""

from __future__ import annotations

from lib.model import default_model, model_diff, with_half_life, with_thresholds
from lib.model.merge import rebased


def test_an_edit_is_applied_on_top_of_a_newer_version_without_undoing_it():
    start = default_model()
    edited = with_thresholds(start, "enterprise", 50, 70)
    published = with_thresholds(start, "smb", 40, 80)
    merged, conflicts = rebased(start, edited, published)
    assert merged.policies["enterprise"].sql_threshold == 70
    assert merged.policies["smb"].mql_threshold == 40
    assert conflicts == ()


def test_a_setting_both_changed_keeps_the_edit_and_is_named():
    start = default_model()
    edited = with_half_life(start, 14)
    published = with_half_life(start, 60)
    merged, conflicts = rebased(start, edited, published)
    assert merged.half_life_days == 14
    assert conflicts == ("half_life_days",)


def test_no_edit_means_the_newer_version_as_it_is():
    start = default_model()
    published = with_thresholds(start, "smb", 40, 80)
    merged, conflicts = rebased(start, start, published)
    assert model_diff(published, merged) == [] and conflicts == ()
