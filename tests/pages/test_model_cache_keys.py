"""A model can key Streamlit's caches: equal models hit, an edited one misses."""

from __future__ import annotations

import streamlit as st

from lib.model import ScoringModel, default_model, model_from_yaml, model_to_yaml, with_thresholds


def test_st_cache_data_keys_on_the_model_value():
    calls: list[int] = []

    @st.cache_data
    def threshold_of(model: ScoringModel) -> float:
        calls.append(model.version)
        return model.policies["smb"].mql_threshold

    published = default_model()
    assert threshold_of(published) == threshold_of(model_from_yaml(model_to_yaml(published)))
    assert threshold_of(with_thresholds(published, "smb", 45, 75)) == 45
    assert len(calls) == 2
