"""The sample generator: seeded, well-formed, and planting the funnel the app is meant to show."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data.generate import (
    COLUMNS,
    csv_bytes,
    generate,
    salesforce_ids,
    systematic_draw,
    write_parquet,
    write_zip,
)
from lib.model.segments import assign_segments

END = pd.Timestamp("2026-10-31 23:59:59")


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    """A 500-lead org, quick enough for format checks."""
    return generate(leads=500, activities=5_000, opportunities=125, seed=3)


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    """The default-size org, as bundled (about half a second)."""
    return generate()


def test_generate_is_deterministic_for_a_seed() -> None:
    first, again = generate(500, 5_000, 125, seed=11), generate(500, 5_000, 125, seed=11)
    for name in COLUMNS:
        pd.testing.assert_frame_equal(first[name], again[name])


def test_a_different_seed_gives_different_data() -> None:
    first, other = generate(500, 5_000, 125, seed=11), generate(500, 5_000, 125, seed=12)
    assert not first["Lead"]["CreatedDate"].equals(other["Lead"]["CreatedDate"])


@pytest.mark.parametrize("name", list(COLUMNS))
def test_frames_carry_the_salesforce_headers_in_order(
    small: dict[str, pd.DataFrame], name: str
) -> None:
    assert tuple(small[name].columns) == COLUMNS[name]


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("Account", "001"),
        ("Lead", "00Q"),
        ("Opportunity", "006"),
        ("Task", "00T"),
    ],
)
def test_ids_are_18_characters_with_the_object_key_prefix(
    sample: dict[str, pd.DataFrame], name: str, prefix: str
) -> None:
    ids = sample[name]["Id"]
    assert ids.str.len().eq(18).all()
    assert ids.str.startswith(prefix).all()


@pytest.mark.parametrize("name", ["Account", "Lead", "Opportunity"])
def test_record_ids_are_unique(sample: dict[str, pd.DataFrame], name: str) -> None:
    assert sample[name]["Id"].is_unique


def test_only_exact_duplicate_task_rows_share_an_id(sample: dict[str, pd.DataFrame]) -> None:
    tasks = sample["Task"]
    repeated_ids = tasks["Id"].duplicated().sum()
    assert 1 <= repeated_ids <= 10
    assert tasks.duplicated().sum() == repeated_ids


def test_about_twenty_tasks_point_to_no_lead(sample: dict[str, pd.DataFrame]) -> None:
    orphans = ~sample["Task"]["WhoId"].isin(sample["Lead"]["Id"])
    assert 10 <= orphans.sum() <= 30


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        # Checksum by hand: one letter per five characters, bit i set when character i is upper.
        (1, "00Q8c0000000001EAA"),  # only the Q of "00Q8c" is upper case -> bit 2 -> "E"
        # 9,876,543 is "fRL5" in base 62; in "0fRL5" the R (bit 2) and L (bit 3) make 12 -> "M".
        (9_876_543, "00Q8c000000fRL5EAM"),
    ],
)
def test_salesforce_ids_carry_the_case_safe_checksum(number: int, expected: str) -> None:
    assert salesforce_ids("00Q", np.array([number]))[0] == expected


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("CreatedDate", "MQL_Date__c"),
        ("MQL_Date__c", "SAL_Date__c"),
        ("SAL_Date__c", "SQL_Date__c"),
        ("MQL_Date__c", "SQL_Date__c"),
        ("SQL_Date__c", "First_Meeting_Date__c"),
        ("MQL_Date__c", "Disqualified_Date__c"),
        ("CreatedDate", "LastModifiedDate"),
        ("CreatedDate", "EmailBouncedDate"),
    ],
)
def test_lead_dates_are_ordered_within_each_lead(
    sample: dict[str, pd.DataFrame], earlier: str, later: str
) -> None:
    leads = sample["Lead"]
    both = leads[leads[earlier].notna() & leads[later].notna()]
    assert len(both) > 0
    assert (both[earlier] <= both[later]).all()
    assert (leads[later].dropna() <= END).all()


def test_tasks_fall_between_their_lead_creation_and_the_end(
    sample: dict[str, pd.DataFrame],
) -> None:
    tasks = sample["Task"].merge(
        sample["Lead"][["Id", "CreatedDate"]],
        left_on="WhoId",
        right_on="Id",
        suffixes=("", "_lead"),
    )
    assert (tasks["CreatedDate"] >= tasks["CreatedDate_lead"]).all()
    assert (tasks["CreatedDate"] <= END).all()
    assert (tasks["ActivityDate"] == tasks["CreatedDate"].dt.floor("D")).all()


def test_converted_leads_are_the_sqls_and_own_an_opportunity_on_their_account(
    sample: dict[str, pd.DataFrame],
) -> None:
    leads = sample["Lead"]
    assert leads["IsConverted"].equals(leads["SQL_Date__c"].notna())
    converted = leads[leads["IsConverted"]].merge(
        sample["Opportunity"], left_on="ConvertedOpportunityId", right_on="Id"
    )
    assert len(converted) == leads["IsConverted"].sum()
    assert (converted["ConvertedAccountId"] == converted["AccountId"]).all()


def test_mql_rate_is_roughly_a_third_of_leads(sample: dict[str, pd.DataFrame]) -> None:
    assert 0.33 <= sample["Lead"]["MQL_Date__c"].notna().mean() <= 0.42


@pytest.mark.parametrize(
    ("channel", "low", "high"),
    [
        ("Referral", 0.25, 0.50),
        ("Partner", 0.25, 0.50),
        ("Content Syndication", 0.0, 0.10),
        ("Paid Social", 0.0, 0.10),
        ("Organic Search", 0.10, 0.25),
        ("Paid Search", 0.10, 0.25),
        ("Webinar", 0.10, 0.25),
        ("Events", 0.10, 0.25),
        ("Outbound", 0.10, 0.25),
    ],
)
def test_mql_to_sql_rate_per_channel_lands_in_its_band(
    sample: dict[str, pd.DataFrame], channel: str, low: float, high: float
) -> None:
    mqls = sample["Lead"].query("LeadSource == @channel and MQL_Date__c.notna()")
    rate = mqls["SQL_Date__c"].notna().mean()
    assert low < rate < high


@pytest.fixture(scope="module")
def deals(sample: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Opportunities with their account's segment, as the app assigns it."""
    accounts = sample["Account"]
    segment = pd.Series(
        assign_segments(accounts["AnnualRevenue"], accounts["NumberOfEmployees"]),
        index=accounts["Id"],
    )
    return sample["Opportunity"].assign(segment=lambda o: o["AccountId"].map(segment))


@pytest.mark.parametrize(
    ("segment", "low", "high"),
    [
        ("enterprise", 0.15, 0.25),
        ("mid_market", 0.22, 0.32),
        ("smb", 0.27, 0.37),
    ],
)
def test_win_rate_by_segment_is_near_its_target(
    deals: pd.DataFrame, segment: str, low: float, high: float
) -> None:
    closed = deals[deals["IsClosed"] & (deals["segment"] == segment)]
    assert low < closed["IsWon"].mean() < high


@pytest.mark.parametrize(
    ("segment", "low", "high"),
    [
        ("enterprise", 150, 180),
        ("mid_market", 60, 75),
        ("smb", 20, 35),
    ],
)
def test_median_won_cycle_by_segment_is_in_range(
    deals: pd.DataFrame, segment: str, low: int, high: int
) -> None:
    won = deals[deals["IsWon"] & (deals["segment"] == segment)]
    cycle = (won["CloseDate"] - won["CreatedDate"].dt.floor("D")).dt.days
    assert low <= cycle.median() <= high


def test_enterprise_dominates_amount_though_smb_leads_on_count(deals: pd.DataFrame) -> None:
    count = deals["segment"].value_counts(normalize=True)
    amount = deals.groupby("segment")["Amount"].sum() / deals["Amount"].sum()
    assert count["smb"] > count["mid_market"] > count["enterprise"]
    assert amount["enterprise"] > 0.5


def test_about_fifteen_percent_of_opportunities_are_still_open(deals: pd.DataFrame) -> None:
    assert 0.10 <= (~deals["IsClosed"]).mean() <= 0.20


def test_pricing_visits_separate_won_from_lost_more_than_demo_requests(
    sample: dict[str, pd.DataFrame],
) -> None:
    leads, tasks = sample["Lead"], sample["Task"]
    closed = leads.merge(
        sample["Opportunity"].query("IsClosed"),
        left_on="ConvertedOpportunityId",
        right_on="Id",
        suffixes=("", "_opp"),
    )
    subjects = tasks.assign(subject=tasks["Subject"].astype("str"))
    per_lead = pd.crosstab(subjects["WhoId"], subjects["subject"])
    counts = per_lead.reindex(closed["Id"]).fillna(0).set_axis(closed.index)
    won = closed["IsWon"]

    def lift(subject: str) -> float:
        return counts.loc[won, subject].mean() / counts.loc[~won, subject].mean()

    assert lift("Pricing page visit") > lift("Demo request") > 1.0


def test_some_open_leads_are_stale_and_a_few_percent_bounced(
    sample: dict[str, pd.DataFrame],
) -> None:
    leads = sample["Lead"]
    old = leads["LastModifiedDate"] < END - pd.Timedelta(days=30)
    open_ = leads["Status"].isin(["Open - Not Contacted", "Working - Contacted"])
    assert 0.01 <= (old & open_).mean() <= 0.15
    assert 0.02 <= leads["EmailBouncedDate"].notna().mean() <= 0.05
    assert leads["EmailBouncedDate"].notna().equals(leads["EmailBouncedReason"].notna())


def test_systematic_draw_keeps_each_group_total_within_one() -> None:
    rng = np.random.default_rng(0)
    group = np.repeat([0, 1], 1_000)
    p = np.where(group == 0, 0.3, 0.05)
    chosen = systematic_draw(rng, p, group)
    assert abs(chosen[group == 0].sum() - 300) <= 1
    assert abs(chosen[group == 1].sum() - 50) <= 1


def test_csv_has_a_bom_crlf_and_salesforce_formats(small: dict[str, pd.DataFrame]) -> None:
    raw = csv_bytes(small["Lead"])
    assert raw.startswith(b"\xef\xbb\xbfId,FirstName,LastName,Email,")
    rows = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    created = rows["CreatedDate"]
    assert created.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000").all()
    assert set(rows["IsConverted"]) == {"true", "false"}
    converted = rows["ConvertedDate"][rows["IsConverted"] == "true"]
    assert converted.str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert (rows["MQL_Date__c"] == "").any()
    assert b"\r\n" in raw


def test_csv_quotes_company_names_that_hold_commas(small: dict[str, pd.DataFrame]) -> None:
    text = csv_bytes(small["Account"]).decode("utf-8-sig")
    with_comma = small["Account"]["Name"][small["Account"]["Name"].str.contains(",")]
    assert len(with_comma) > 0
    assert f'"{with_comma.iloc[0]}"' in text


def test_zip_holds_the_four_csvs_at_its_top_level(
    small: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    path = tmp_path / "export.zip"
    write_zip(small, path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "Account.csv",
            "Lead.csv",
            "Opportunity.csv",
            "Task.csv",
        ]
        header = archive.read("Task.csv").split(b"\r\n", 1)[0]
    assert header == b"\xef\xbb\xbf" + ",".join(COLUMNS["Task"]).encode()


@pytest.mark.parametrize(
    ("name", "column", "arrow_type"),
    [
        ("Lead", "CreatedDate", pa.timestamp("ms")),
        ("Opportunity", "CloseDate", pa.date32()),
        ("Opportunity", "Amount", pa.float64()),
        ("Account", "NumberOfEmployees", pa.int64()),
        ("Opportunity", "IsWon", pa.bool_()),
    ],
)
def test_parquet_is_typed_natively(
    small: dict[str, pd.DataFrame], tmp_path: Path, name: str, column: str, arrow_type: pa.DataType
) -> None:
    write_parquet(small, tmp_path)
    assert pq.read_schema(tmp_path / f"{name}.parquet").field(column).type == arrow_type


def test_bundled_sample_is_small_and_what_the_generator_writes(
    sample: dict[str, pd.DataFrame],
) -> None:
    bundled = Path(__file__).resolve().parent.parent / "data" / "sample" / "salesforce_sample.zip"
    assert bundled.stat().st_size < 12 * 1024 * 1024
    with zipfile.ZipFile(bundled) as archive:
        assert archive.read("Opportunity.csv") == csv_bytes(sample["Opportunity"])
