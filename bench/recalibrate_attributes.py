"""Time recalibration's attribute fit on 1M leads with 50 attributes: encode, tune, fit, rules.

    python bench/recalibrate_attributes.py [--leads 1000000] [--attributes 50] [--runs 3]

Synthetic leads (seeded) carry --attributes attributes cycling category (4 to 40 values, some
rare, 10% blank) / number (skewed, 20% blank) / boolean, a converted flag drawn from a logistic
of a planted effect in every fifth attribute, and a 75/25 stratified split. Each run does what
`recalibrate` does with the attributes (lib.evaluate.recalibration), timed step by step:
attribute_encoding on the training leads (levels, screening by outcome), level_columns for train
and test, tuned_penalty (9 penalties x 4 folds), the joint logistic fit, and the fit of the
levels that become rules with points (fitted_attribute_rules beside the pillars of a leads-only
export, a constant grade and no behaviour; the first cap of CLIPPED_SHARES:
ranking the caps by the training AUC of the model each makes needs the scoring model, so is not
in here). The pillars, activity counts and flags the full recalibration adds are not either.
Prints the median time of each step, the peak resident memory (RSS) and the held-out AUC of
the joint fit.

Measured 2026-11-26 on the 2 cores, shared with other helpers' tests:
- 1M leads x 50 attributes, load average 7.0: 122.8 s median of 3 (encode 2.6, columns 2.6,
  tune 64.9, joint fit 29.5, rules fit 17.4); 144 level columns, 56 rules, 32 attributes left
  out (no sign they matter, or more than 25 common values); peak RSS 3.69 GiB; held-out AUC
  0.700. An earlier version (rules capped by a fixed span), at load 2.7: 61.8 s (tune 23.3,
  joint fit 12.4, rules 10.7), peak RSS 3.67 GiB: the load doubles the times.
- 100k leads: 11.3 s (1 run; tune 9.1 s). Before the penalty path was warm-started and the
  tuning fits skipped the covariance: tune 27.9 s of 30.5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.evaluate.attribute_fit import attribute_encoding, level_columns  # noqa: E402
from lib.evaluate.fit import (  # noqa: E402
    level_mask,
    logistic_fit,
    predict,
    standardiser,
    tuned_penalty,
)
from lib.evaluate.recalibration import fitted_attribute_rules  # noqa: E402
from lib.metrics.stats import auc_interval  # noqa: E402

KINDS = ("category", "number", "boolean")


def synthetic(n: int, attributes: int, seed: int = 3) -> tuple[dict, dict, np.ndarray]:
    """Return ({name: values}, {name: kind}, converted) for n leads."""
    rng = np.random.default_rng(seed)
    values, kinds, logit = {}, {}, np.full(n, -1.5)
    for j in range(attributes):
        kind, name = KINDS[j % 3], f"Field_{j:02d}__c"
        if kind == "category":
            size = 4 + (j * 7) % 37
            shares = 1.0 / np.arange(1, size + 1) ** 1.3  # a long tail of rare values
            code = rng.choice(size, n, p=shares / shares.sum())
            column = np.array([f"value {k}" for k in range(size)], dtype=object)[code]
            column[rng.random(n) < 0.1] = None
            effect = (code % 3 - 1) * 0.6
        elif kind == "number":
            column = np.round(rng.lognormal(2.0, 1.0, n), 1)
            effect = 0.3 * np.log1p(column) - 0.6
            column[rng.random(n) < 0.2] = np.nan
        else:
            column = (rng.random(n) < 0.4).astype("float64")
            effect = column * 0.5
        values[name], kinds[name] = column, kind
        if j % 5 == 0:
            logit += np.nan_to_num(effect)
    converted = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    return values, kinds, converted


def one_run(values: dict, kinds: dict, converted: np.ndarray) -> dict[str, float]:
    """Return the seconds each step took, and the held-out AUC."""
    n = len(converted)
    held = np.zeros(n, dtype=bool)
    rng = np.random.default_rng(0)
    for outcome in (True, False):
        rows = np.flatnonzero(converted == outcome)
        held[rng.permutation(rows)[: len(rows) // 4]] = True
    train = {k: v[~held] for k, v in values.items()}
    test = {k: v[held] for k, v in values.items()}
    won, won_test = converted[~held].astype("float64"), converted[held]
    times, start = {}, time.perf_counter()
    encoding = attribute_encoding(train, kinds, {}, won=won)
    times["encode"] = time.perf_counter() - start
    start = time.perf_counter()
    x_train, x_test = level_columns(encoding, train), level_columns(encoding, test)
    times["columns"] = time.perf_counter() - start
    start = time.perf_counter()
    penalty, _ = tuned_penalty(x_train.to_numpy(), won, levels=level_mask(x_train.columns))
    times["tune"] = time.perf_counter() - start
    start = time.perf_counter()
    mean, scale = standardiser(x_train)
    fit = logistic_fit((x_train.to_numpy() - mean) / scale, won, 1.0 / penalty)
    times["fit"] = time.perf_counter() - start
    start = time.perf_counter()
    # the pillars of a leads-only export with no firmographics: the base grade, no behaviour
    pillars = pd.DataFrame({"fit": 30.0, "urgency": 0.0}, index=x_train.index)
    rules = fitted_attribute_rules(pd.concat([pillars, x_train], axis=1), won, encoding, penalty)
    times["rules"] = time.perf_counter() - start
    times["auc"] = auc_interval(predict(fit.coef, (x_test.to_numpy() - mean) / scale), won_test)[0]
    times["columns_fitted"], times["rules_written"] = x_train.shape[1], len(rules)
    times["left_out"] = len(encoding.left_out)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--attributes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    values, kinds, converted = synthetic(args.leads, args.attributes)
    print(f"{args.leads:,} leads, {args.attributes} attributes, {converted.mean():.1%} converted")
    runs = [one_run(values, kinds, converted) for _ in range(args.runs)]
    for step in ("encode", "columns", "tune", "fit", "rules"):
        median = statistics.median(r[step] for r in runs)
        print(f"  {step:<8} {median:8.2f} s median of {args.runs}")
    total = statistics.median(sum(r[s] for s in ("encode", "columns", "tune", "fit", "rules"))
                              for r in runs)  # fmt: skip
    print(f"  total    {total:8.2f} s median of {args.runs}")
    last = runs[-1]
    print(
        f"  {last['columns_fitted']:.0f} level columns, {last['rules_written']:.0f} rules, "
        f"{last['left_out']:.0f} attributes left out; held-out AUC {last['auc']:.3f}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    load = os.getloadavg()[0]
    print(f"  peak RSS {peak:.2f} GiB; load average {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
