"""Judging a model on history: the Scoring lab's back-test and recalibration from outcomes."""
