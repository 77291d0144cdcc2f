"""Which inputs a recalibration fits: rare, constant and collinear ones are left out, named."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.evaluate.design import independent_columns, support


def design(n: int = 400, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pricing = rng.poisson(1.0, n).astype(float)
    demo = rng.poisson(0.5, n).astype(float)
    pricing[0], demo[0] = 9.0, 1.0  # one very active lead: 105 points, held at 100 by the cap
    return pd.DataFrame(
        {
            "fit": rng.uniform(0, 100, n),
            # the urgency pillar as the model builds it: points per event summed, capped at 100
            # (the cap binds for one lead, so the fit is not exact, as on the sample)
            "urgency": np.minimum(10 * pricing + 15 * demo, 100.0),
            "pricing_page_view": pricing,
            "demo_request": demo,
            "stale": np.zeros(n),
            "bounced": (np.arange(n) < 12).astype(float),  # 12 leads: too few to learn from
            "icp_industry": (rng.random(n) < 0.4).astype(float),
        }
    )


def test_the_urgency_pillar_rare_and_constant_inputs_are_left_out_with_the_reason() -> None:
    kept, dropped = independent_columns(design())
    assert kept == ["fit", "pricing_page_view", "demo_request", "icp_industry"]
    assert dropped["stale"] == "seen on 0 training leads (< 30)"
    assert dropped["bounced"] == "seen on 12 training leads (< 30)"
    assert dropped["urgency"].startswith("the other inputs explain it (R² 0.99")


def test_a_pillar_the_others_only_partly_explain_is_kept() -> None:
    frame = design()
    frame["urgency"] = frame["urgency"] + np.random.default_rng(0).normal(0, 15, len(frame))
    kept, dropped = independent_columns(frame)
    assert "urgency" in kept and "urgency" not in dropped


def test_an_exact_combination_of_signals_is_left_out_even_when_not_a_pillar() -> None:
    frame = design()
    frame["engaged_colleagues"] = frame["pricing_page_view"] + 2 * frame["demo_request"]
    kept, dropped = independent_columns(frame)
    assert len(kept) == 4
    assert list(dropped.values()).count("a combination of other inputs") == 1


def test_support_counts_leads_showing_each_signal() -> None:
    frame = pd.DataFrame({"a": [0, 1, 2, 0], "b": [0.0, 0.0, 0.0, 0.0]})
    assert support(frame).to_dict() == {"a": 2, "b": 0}
