"""One feature matrix shared by every session's thread: concurrent rescoring stays exact."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bench.rescore import synthetic_features
from lib.model import default_model, with_half_life, with_thresholds
from lib.scoring import feature_matrix, score_arrays

THREADS = 10


def edited(i: int):
    """Return a different model per session: thresholds and half-life both move."""
    return with_half_life(with_thresholds(default_model(), "smb", 30 + i, 60 + i), 10 + 5 * i)


def test_ten_threads_rescoring_one_shared_matrix_get_their_own_exact_scores():
    features = synthetic_features(3000)
    expected = [score_arrays(feature_matrix(features), edited(i)) for i in range(THREADS)]
    shared = feature_matrix(features)

    def session(i: int):
        return [score_arrays(shared, edited(i)) for _ in range(5)][-1]

    with ThreadPoolExecutor(THREADS) as pool:
        seen = list(pool.map(session, range(THREADS)))
    for got, want in zip(seen, expected, strict=True):
        np.testing.assert_array_equal(got.qualification_score, want.qualification_score)
        np.testing.assert_array_equal(got.stage_code, want.stage_code)
    assert len({s.stage_code.tobytes() for s in seen}) > 1  # the models really differ


def test_memoised_arrays_cannot_be_changed_in_place():
    scores = score_arrays(feature_matrix(synthetic_features(50)), default_model())
    with pytest.raises(ValueError, match="read-only"):
        scores.fit[0] = 99.0
