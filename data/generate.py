"""Seeded generator of a realistic Salesforce org export: the bundled sample and benchmark data.

    python data/generate.py                      # the bundled data/sample/salesforce_sample.zip
    python data/generate.py --leads 1000000 --activities 10000000 --opportunities 250000 \
        --format parquet --out DIR               # benchmark data, typed natively

Everything is vectorised numpy/pandas (no loop over rows) and fully determined by the seed.
What it plants, so the app's KPIs, scoring and recalibration find something on first run:

- Two years of history ending `end` (2026-10-31): lead creation grows ~40% over the period,
  peaks in spring and autumn, dips in summer and on weekends.
- Accounts (one per five leads) in three segments by AnnualRevenue (>= $1B, >= $50M, else SMB)
  with NumberOfEmployees always on the same side of the 1,000 / 100 rule; ~10% lack revenue,
  ~0.3% lack both (the app's 'unassigned'), ~5% lack Industry. Leads copy their account's
  firmographics; Company is the account name.
- Funnel: ~37% of leads reach MQL; MQL->SQL ~35% for Referral and Partner, ~6% for Content
  Syndication and Paid Social, 14-18% elsewhere, lifted by seniority and ICP industry
  (software, IT services, financial services) and lower for enterprise than SMB.
  SAL comes hours after MQL (median 1.2 h enterprise, 2 h mid-market, 2.5 h SMB), so a
  4-hour SLA is met about 93% / 79% / 70% of the time. Most SQLs have a SAL; ~45% of MQLs that
  never reach SQL still get one; most MQLs rejected without a SAL carry a Disqualified date.
  created <= MQL <= SAL <= SQL <= first meeting, always. Converted leads are exactly the SQLs.
- Opportunities: one per converted lead (same account, created at SQL) plus account-level ones
  with no source lead, topped up so the count mix is ~20/35/45 enterprise/mid-market/SMB.
  Amounts are lognormal (medians $150k / $40k / $12k); win rates ~20% / 27% / 32%, lifted by
  the source lead's seniority and by ICP industry; cycle medians ~165 / 68 / 27 days; deals
  whose close date falls after `end` are open (~15%). ~80% of won deals carry a gross margin
  of 25-75% of amount.
- Behaviour with signal: in the 30 days before MQL and before SQL, leads that reach SQL, and
  above all those whose deal is won, show more pricing-page visits, demo requests, meetings and
  intent surges. Pricing visits separate won from lost about twice as strongly as demo
  requests. A quarter of MQLs are hand-raisers: a demo request minutes before their MQL.
  Background activity is heavy-tailed per lead and dated between creation and `end`.
- Custom lead fields (kept as lead attributes), drawn given each lead's deal outcome from a
  generator of their own, after all the above: Partner_Tier__c (Gold / Silver / Bronze: winning's
  odds x3 / x1 / x0.4), Webinar_Minutes__c (odds rise with every minute; a quarter blank),
  Newsletter_Opt_In__c (no effect) and Sales_Status__c, a leak ("Closed - Won" on 97% of won
  leads and no others).
- Warts: ~3.5% of leads bounced; ~15% of older, never-MQL leads are stale (open, last
  modified and last active more than 30 days before `end`); one orphan task per 10,000 (WhoId
  of no lead) and one exact duplicate task row per 40,000. IDs are unique otherwise.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
import unicodedata
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

END = date(2026, 10, 31)
HISTORY_DAYS = 730
DAY = 86_400
HOUR = 3_600

# Custom lead fields with planted effects on winning (kept as lead attributes by default), drawn
# from their own seeded generator after everything else, so the columns and KPIs before them
# stay exactly as they were.
CUSTOM_LEAD_FIELDS = (
    "Partner_Tier__c",
    "Webinar_Minutes__c",
    "Newsletter_Opt_In__c",
    "Sales_Status__c",
)
CUSTOM_FIELDS_STREAM = 13  # the custom fields' generator: default_rng((seed, 13))
# P(tier | outcome): Gold is 3x as common among won as among lost leads, Silver as common,
# Bronze 0.4x, so winning's odds are x3 / x1 / x0.4 by tier (log-odds +1.10 / 0 / -0.92)
PARTNER_TIERS = ("Gold", "Silver", "Bronze")
TIER_SHARES = {"won": (0.45, 0.35, 0.20), "lost": (0.15, 0.35, 0.50), "other": (0.2, 0.35, 0.45)}
# webinar minutes: exponential, mean 40 among won leads and 20 otherwise, so winning's odds
# rise with every minute (log-odds +1/40 per minute); a quarter of leads never attended (blank)
WEBINAR_MEAN_MINUTES = {"won": 40.0, "other": 20.0}
WEBINAR_BLANK = 0.25

COLUMNS: dict[str, tuple[str, ...]] = {
    "Account": (
        "Id",
        "Name",
        "Industry",
        "AnnualRevenue",
        "NumberOfEmployees",
        "BillingCountry",
        "CreatedDate",
        "LastModifiedDate",
    ),
    "Lead": (
        "Id",
        "FirstName",
        "LastName",
        "Email",
        "Company",
        "Title",
        "LeadSource",
        "Status",
        "Industry",
        "AnnualRevenue",
        "NumberOfEmployees",
        "IsConverted",
        "ConvertedDate",
        "ConvertedAccountId",
        "ConvertedOpportunityId",
        "CreatedDate",
        "LastModifiedDate",
        "EmailBouncedDate",
        "EmailBouncedReason",
        "MQL_Date__c",
        "SAL_Date__c",
        "SQL_Date__c",
        "First_Meeting_Date__c",
        "Disqualified_Date__c",
        *CUSTOM_LEAD_FIELDS,
    ),
    "Opportunity": (
        "Id",
        "AccountId",
        "Name",
        "StageName",
        "Amount",
        "CloseDate",
        "IsClosed",
        "IsWon",
        "LeadSource",
        "CreatedDate",
        "Gross_Margin__c",
    ),
    "Task": (
        "Id",
        "WhoId",
        "WhatId",
        "AccountId",
        "Subject",
        "ActivityDate",
        "Status",
        "TaskSubtype",
        "CreatedDate",
    ),
}
DATE_COLUMNS = frozenset({"CloseDate", "ConvertedDate", "ActivityDate"})
MONEY_COLUMNS = frozenset({"Amount", "Gross_Margin__c"})
SF_DATETIME = "%Y-%m-%dT%H:%M:%S.000+0000"

# Segments are indexed 0 enterprise, 1 mid-market, 2 SMB throughout.
ACCOUNT_SEGMENT_SHARE = np.array([0.12, 0.28, 0.60])
LEADS_PER_ACCOUNT_WEIGHT = np.array([3.0, 1.5, 1.0])
REVENUE_RANGE = np.array([[1e9, 2e11], [5e7, 9.9e8], [1e6, 4.99e7]])
EMPLOYEE_RANGE = np.array([[1_000, 150_000], [100, 999], [5, 99]])
OPPORTUNITY_SEGMENT_MIX = np.array([0.20, 0.35, 0.45])
AMOUNT_MEDIAN = np.array([150_000.0, 40_000.0, 12_000.0])
WIN_RATE = np.array([0.20, 0.27, 0.32])
CYCLE_MEDIAN_DAYS = np.array([185.0, 72.0, 28.0])
SAL_MEDIAN_HOURS = np.array([1.2, 2.0, 2.5])
SAL_SIGMA = np.array([0.8, 0.85, 0.9])
SQL_SEGMENT_FACTOR = np.array([0.8, 1.0, 1.1])

INDUSTRIES: dict[str, tuple[float, tuple[str, ...]]] = {
    # industry: (share of accounts, nouns that make its company names read right)
    "Computer Software": (0.16, ("Software", "Labs", "Cloud", "Analytics", "Data")),
    "Information Technology and Services": (
        0.13,
        ("Systems", "Technologies", "Networks", "Digital", "IT Solutions"),
    ),
    "Financial Services": (0.11, ("Capital", "Financial", "Bancorp", "Insurance", "Wealth")),
    "Hospital & Health Care": (0.10, ("Health", "Medical", "Care", "Clinics", "Bio")),
    "Retail": (0.12, ("Retail Group", "Stores", "Outfitters", "Brands", "Market")),
    "Manufacturing": (0.14, ("Manufacturing", "Industries", "Components", "Robotics", "Materials")),
    "Education": (0.07, ("Learning", "Academy", "Education", "Institute", "Schools")),
    "Construction": (
        0.08,
        ("Construction", "Builders", "Engineering", "Structures", "Contractors"),
    ),
    "Logistics and Supply Chain": (
        0.05,
        ("Logistics", "Freight", "Shipping", "Transport", "Supply"),
    ),
    "Marketing and Advertising": (0.04, ("Media", "Creative", "Marketing", "Agency", "Studio")),
}
ICP_INDUSTRIES = frozenset(
    {"Computer Software", "Information Technology and Services", "Financial Services"}
)
NAME_ROOTS = (
    "Northwind",
    "Blue Harbor",
    "Crestline",
    "Ironwood",
    "Silverpeak",
    "Redwood",
    "Brightwater",
    "Summit",
    "Granite",
    "Lakeshore",
    "Evergreen",
    "Pinecrest",
    "Meridian",
    "Harborview",
    "Stonebridge",
    "Oakridge",
    "Riverbend",
    "Clearview",
    "Highland",
    "Westfield",
    "Eastgate",
    "Southport",
    "Kingsley",
    "Ashford",
    "Bellmont",
    "Cobalt",
    "Vertex",
    "Quantum",
    "Apex",
    "Nimbus",
    "Helix",
    "Vantage",
    "Pioneer",
    "Horizon",
    "Beacon",
    "Sterling",
    "Falcon",
    "Orion",
    "Atlas",
    "Zenith",
    "Lumen",
    "Keystone",
    "Trident",
    "Copperleaf",
    "Foxglove",
    "Juniper",
    "Mosaic",
    "Northstar",
    "Polaris",
    "Sequoia",
    "Tidewater",
    "Wexford",
    "Caldera",
    "Driftwood",
    "Fairhaven",
    "Glenmore",
    "Nordström",
    "Brückner",
    "Lumière",
    "Østergaard",
    "Cañada",
    "Kessler",
    "Marlow",
    "Halcyon",
    "Larkspur",
    "Bramble",
    "Whitcombe",
    "Thornbury",
)
NAME_SUFFIXES = (
    "",
    "",
    " Inc.",
    ", Inc.",
    " LLC",
    " Ltd",
    " GmbH",
    " Group",
    " Corp.",
    " Co.",
    " plc",
    " & Co.",
)
COUNTRIES = {
    "United States": 0.55,
    "United Kingdom": 0.10,
    "Germany": 0.07,
    "Canada": 0.06,
    "France": 0.05,
    "Australia": 0.05,
    "Netherlands": 0.04,
    "Sweden": 0.03,
    "Singapore": 0.03,
    "Brazil": 0.02,
}
FIRST_NAMES = (
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Daniel",
    "Karen",
    "Matthew",
    "Nancy",
    "Anthony",
    "Lisa",
    "Mark",
    "Priya",
    "Wei",
    "Aisha",
    "Carlos",
    "Sofia",
    "Lukas",
    "Emma",
    "Noah",
    "Olivia",
    "Liam",
    "Ava",
    "Mateo",
    "Chloé",
    "José",
    "Zoë",
    "Björn",
    "Ingrid",
    "Kenji",
    "Yuki",
    "Fatima",
    "Omar",
    "Ananya",
    "Rahul",
    "Hannah",
    "Ethan",
    "Grace",
    "Samuel",
    "Léa",
    "Hugo",
    "Maja",
    "Nils",
    "Amara",
    "Kwame",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Patel",
    "Nguyen",
    "Kim",
    "Chen",
    "Singh",
    "Müller",
    "Schmidt",
    "Dubois",
    "Lefèvre",
    "O'Brien",
    "Kowalski",
    "Novák",
    "Sørensen",
    "Yamamoto",
    "Okafor",
    "Haddad",
    "Rossi",
    "Fernández",
    "Silva",
    "Andersson",
    "Van der Berg",
    "Murphy",
)
SENIORITIES = ("C-level", "VP", "Director", "Manager", "Individual contributor")
SENIORITY_SHARE = np.array([0.05, 0.10, 0.20, 0.30, 0.35])
SENIORITY_SQL_FACTOR = np.array([1.35, 1.25, 1.10, 0.95, 0.80])
SENIORITY_WIN_FACTOR = np.array([1.50, 1.30, 1.10, 0.90, 0.75])
# Department -> titles by seniority, in SENIORITIES order.
TITLES: dict[str, tuple[str, str, str, str, str]] = {
    "Marketing": (
        "Chief Marketing Officer",
        "VP of Marketing",
        "Director of Demand Generation",
        "Marketing Manager",
        "Marketing Specialist",
    ),
    "Sales": (
        "Chief Revenue Officer",
        "VP, Sales",
        "Director of Sales",
        "Sales Manager",
        "Account Executive",
    ),
    "Revenue Operations": (
        "Chief Operating Officer",
        "VP of Revenue Operations",
        "Director of RevOps",
        "Sales Operations Manager",
        "Revenue Operations Analyst",
    ),
    "IT": (
        "Chief Information Officer",
        "VP of IT",
        "Director of IT",
        "IT Manager",
        "Systems Administrator",
    ),
    "Engineering": (
        "Chief Technology Officer",
        "VP of Engineering",
        "Director of Engineering",
        "Engineering Manager",
        "Software Engineer",
    ),
    "Finance": (
        "Chief Financial Officer",
        "VP, Finance",
        "Director of Finance",
        "Finance Manager",
        "Financial Analyst",
    ),
    "Customer Success": (
        "Chief Customer Officer",
        "VP of Customer Success",
        "Director of Customer Success",
        "Customer Success Manager",
        "Customer Success Associate",
    ),
}
DEPARTMENT_SHARE = np.array([0.24, 0.20, 0.12, 0.14, 0.12, 0.08, 0.10])
# Channel: (share of leads, P(MQL), P(SQL | MQL) before seniority / ICP / segment lifts).
CHANNELS: dict[str, tuple[float, float, float]] = {
    "Organic Search": (0.18, 0.40, 0.17),
    "Paid Search": (0.14, 0.38, 0.15),
    "Paid Social": (0.10, 0.33, 0.06),
    "Webinar": (0.09, 0.45, 0.16),
    "Referral": (0.06, 0.48, 0.36),
    "Partner": (0.06, 0.45, 0.34),
    "Events": (0.08, 0.38, 0.15),
    "Content Syndication": (0.12, 0.42, 0.065),
    "Outbound": (0.17, 0.28, 0.18),
}
ACCOUNT_OPPORTUNITY_CHANNELS = {"Outbound": 0.5, "Partner": 0.2, "Referral": 0.15, "Events": 0.15}
BOUNCE_REASONS = (
    "550 5.1.1 User unknown",
    "550 5.4.1 Recipient address rejected",
    "552 5.2.2 Mailbox full",
    "Domain not found",
)
OPEN_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Proposal/Price Quote",
    "Negotiation/Review",
)
PRODUCTS = (
    "New Business",
    "Platform Subscription",
    "Analytics Add-on",
    "Expansion",
    "Multi-year Renewal",
    "Pilot",
)
LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)

# Activity types: (subjects, TaskSubtype, share of background activity).
ACTIVITIES: dict[str, tuple[tuple[str, ...], str, float]] = {
    "page_view": (
        tuple(
            f"Web visit: /{p}"
            for p in (
                "",
                "product",
                "solutions/revops",
                "solutions/marketing",
                "customers",
                "blog/lead-scoring",
                "blog/mql-vs-sql",
                "docs/getting-started",
                "integrations/salesforce",
                "about",
                "careers",
            )
        ),
        "Task",
        0.37,
    ),
    "pricing_page_view": (("Pricing page visit",), "Task", 0.03),
    "demo_request": (("Demo request",), "Task", 0.002),
    "content_download": (
        tuple(
            f"Content download: {a}"
            for a in (
                "State of RevOps 2026",
                "Lead scoring playbook",
                "MQL to SQL benchmark report",
                "ABM buyer's guide",
                "Pipeline velocity calculator",
            )
        ),
        "Task",
        0.07,
    ),
    "email_open": (
        tuple(
            f"Email opened: {c}"
            for c in (
                "Monthly newsletter",
                "Product update",
                "Nurture - scoring 101",
                "Event invitation",
                "Customer story",
            )
        ),
        "Email",
        0.25,
    ),
    "email_click": (
        tuple(
            f"Email clicked: {c}"
            for c in (
                "Monthly newsletter",
                "Product update",
                "Nurture - scoring 101",
                "Event invitation",
            )
        ),
        "Email",
        0.08,
    ),
    "webinar": (
        tuple(
            f"Webinar attended: {t}"
            for t in (
                "Fixing your MQL definition",
                "Segment-aware scoring",
                "RevOps quarterly review",
            )
        ),
        "Task",
        0.03,
    ),
    "meeting": (
        tuple(
            f"Meeting: {k}"
            for k in (
                "Discovery call",
                "Product demo",
                "Technical deep dive",
                "Executive briefing",
            )
        ),
        "Task",
        0.006,
    ),
    "call": (
        tuple(
            f"Call: {k}"
            for k in (
                "Intro call",
                "Follow-up",
                "Left voicemail",
                "Qualification call",
            )
        ),
        "Call",
        0.05,
    ),
    "form_submission": (
        tuple(
            f"Form submission: {f}"
            for f in (
                "Contact us",
                "Newsletter signup",
                "Event registration",
                "Free trial",
            )
        ),
        "Task",
        0.04,
    ),
    "intent_surge": (
        tuple(
            f"Intent surge: {t}"
            for t in (
                "Lead scoring",
                "Revenue operations",
                "Sales analytics",
                "CRM data quality",
            )
        ),
        "Task",
        0.035,
    ),
    "competitor_research": (
        tuple(
            f"Competitor research: {c}"
            for c in (
                "ScoreStack",
                "FunnelIQ",
                "LeadLens",
                "PipeRank",
            )
        ),
        "Task",
        0.028,
    ),
}
ACTIVITY_NAMES = tuple(ACTIVITIES)
SUBJECTS = tuple(s for subjects, _, _ in ACTIVITIES.values() for s in subjects)
SUBJECT_COUNT = np.array([len(v[0]) for v in ACTIVITIES.values()])
SUBJECT_OFFSET = np.concatenate([[0], np.cumsum(SUBJECT_COUNT)[:-1]])
TASK_SUBTYPES = ("Task", "Email", "Call")
SUBTYPE_OF_SUBJECT = np.repeat(
    [TASK_SUBTYPES.index(v[1]) for v in ACTIVITIES.values()], SUBJECT_COUNT
)
BACKGROUND_SHARE = np.array([v[2] for v in ACTIVITIES.values()])
T = {name: i for i, name in enumerate(ACTIVITY_NAMES)}
DISCOVERY_CALL = SUBJECTS.index("Meeting: Discovery call")
QUALIFICATION_CALL = SUBJECTS.index("Call: Qualification call")

ID_PREFIX = {"Account": "001", "Lead": "00Q", "Opportunity": "006", "Task": "00T"}
BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
CHECKSUM_CHARS = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", np.uint8)


# ---------------------------------------------------------------- small vectorised helpers


def salesforce_ids(prefix: str, numbers: np.ndarray) -> pd.Series:
    """Return 18-character Salesforce IDs (prefix, pod, base-62 number, case-safe checksum)."""
    n = len(numbers)
    head = f"{prefix}8c0000".encode()  # 9 fixed characters, then 6 base-62 digits
    chars = np.empty((n, 18), dtype=np.uint8)
    chars[:, :9] = np.frombuffer(head, np.uint8)
    # The checksum's three letters encode which of each five characters are upper case.
    fixed = [
        sum(1 << i for i, c in enumerate(head[k : k + 5].decode()) if c.isupper()) for k in (0, 5)
    ]
    bits = [np.full(n, fixed[0], np.uint8), np.full(n, fixed[1], np.uint8), np.zeros(n, np.uint8)]
    rest = np.asarray(numbers, dtype=np.int64)
    for position in range(14, 8, -1):
        digit = (rest % 62).astype(np.uint8)
        rest = rest // 62
        chars[:, position] = BASE62[digit]
        bits[position // 5] |= ((digit >= 10) & (digit < 36)).astype(np.uint8) << (position % 5)
    for chunk in range(3):
        chars[:, 15 + chunk] = CHECKSUM_CHARS[bits[chunk]]
    offsets = np.arange(0, 18 * n + 1, 18, dtype=np.int32)
    array = pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(chars.ravel())]
    )
    return pd.Series(pd.array(array, dtype="str"))


def take_or_blank(values: pd.Series, index: np.ndarray) -> pd.Series:
    """Return values[index] with blanks where index is negative (vectorised, arrow-backed)."""
    array = pa.array(values.to_numpy(dtype=object)) if values.dtype == object else pa.array(values)
    taken = pc.take(array, pa.array(np.maximum(index, 0), mask=index < 0))
    return pd.Series(pd.array(taken, dtype="str"))


def pick(rng: np.random.Generator, shares: np.ndarray | list[float], size: int) -> np.ndarray:
    """Return `size` category indices drawn with the given (normalised) shares."""
    p = np.asarray(shares, dtype="float64")
    return rng.choice(len(p), size=size, p=p / p.sum())


def pick_subject(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Return a subject index for each activity-type index, uniform within the type."""
    return SUBJECT_OFFSET[kind] + (rng.random(len(kind)) * SUBJECT_COUNT[kind]).astype(np.int64)


def systematic_draw(rng: np.random.Generator, p: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Return True with probability p each, with each group's total within one of sum(p).

    Systematic sampling over a random order: the same per-record odds as independent draws,
    but a segment's win rate in the bundled sample does not wander by two standard errors.
    """
    order = np.lexsort((rng.random(len(p)), group))
    ceiling = np.floor(np.cumsum(p[order]) + rng.random())
    chosen = np.empty(len(p), dtype=bool)
    chosen[order] = np.diff(ceiling, prepend=0.0) > 0
    return chosen


def lognormal_seconds(
    rng: np.random.Generator, median_s: np.ndarray | float, sigma: float | np.ndarray, size: int
) -> np.ndarray:
    """Return lognormal durations in whole seconds around the given median."""
    return np.round(np.asarray(median_s) * np.exp(rng.normal(0.0, sigma, size))).astype(np.int64)


def timestamps(seconds: np.ndarray) -> pd.Series:
    """Return epoch seconds (NaN = blank) as a datetime64[ms] series."""
    return pd.Series(pd.to_datetime(seconds, unit="s")).astype("datetime64[ms]")


def dates(seconds: np.ndarray) -> pd.Series:
    """Return epoch seconds (NaN = blank) as midnight-normalised datetime64[s] dates."""
    return timestamps(seconds).dt.floor("D").astype("datetime64[s]")


def ascii_slugs(words: tuple[str, ...]) -> np.ndarray:
    """Return lowercase ASCII forms of vocabulary words, for e-mail addresses and domains."""
    folded = [unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode() for w in words]
    return np.array(["".join(ch for ch in w.lower() if ch.isalnum()) for w in folded], dtype=object)


# ---------------------------------------------------------------- the org, table by table


class Clock:
    """The history window in epoch seconds: two years ending at the end of `end`."""

    def __init__(self, end: date) -> None:
        self.end_s = int(datetime(end.year, end.month, end.day, 23, 59, 59, tzinfo=UTC).timestamp())
        self.start_s = self.end_s + 1 - HISTORY_DAYS * DAY

    def creation_times(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return creation moments with mild growth, seasonality, weekday and office hours."""
        days = np.arange(HISTORY_DAYS)
        day_start = self.start_s + days * DAY
        month = pd.to_datetime(day_start, unit="s").month.to_numpy()
        weekday = pd.to_datetime(day_start, unit="s").day_of_week.to_numpy()
        season = np.where(
            np.isin(month, (3, 4, 5, 9, 10, 11)),
            1.15,
            np.where(np.isin(month, (7, 8, 12)), 0.8, 1.0),
        )
        weight = (1 + 0.4 * days / HISTORY_DAYS) * season * np.where(weekday >= 5, 0.3, 1.0)
        day = pick(rng, weight, size)
        hour = np.clip(rng.normal(15.0, 3.0, size), 0, 23.99)
        return self.start_s + day * DAY + (hour * HOUR).astype(np.int64)


def build_accounts(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Return the accounts' internal frame: segment, firmographics, name, domain, country."""
    segment = pick(rng, ACCOUNT_SEGMENT_SHARE, n)
    size = rng.random(n) ** 1.5  # more small companies than large ones within each segment
    rev_lo, rev_hi = REVENUE_RANGE[segment, 0], REVENUE_RANGE[segment, 1]
    emp_lo, emp_hi = EMPLOYEE_RANGE[segment, 0], EMPLOYEE_RANGE[segment, 1]
    revenue = np.clip(np.round(rev_lo * (rev_hi / rev_lo) ** size, -5), rev_lo, rev_hi)
    staff_size = np.clip(size + rng.normal(0, 0.1, n), 0, 1)
    employees = np.round(emp_lo * (emp_hi / emp_lo) ** staff_size).astype(np.int64)
    industry = pick(rng, [v[0] for v in INDUSTRIES.values()], n)
    blank = rng.random(n)
    names, domains = company_names(rng, industry)
    return pd.DataFrame(
        {
            "segment": segment,
            "industry": industry,
            "revenue": revenue,
            "employees": employees,
            "no_revenue": blank < 0.10,
            "no_employees": blank < 0.003,
            "no_industry": rng.random(n) < 0.05,
            "name": names,
            "domain": domains,
            "country": pick(rng, list(COUNTRIES.values()), n),
        }
    )


def company_names(rng: np.random.Generator, industry: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Return realistic company names (root + industry noun + legal suffix) and web domains."""
    nouns = [noun for _, words in INDUSTRIES.values() for noun in words]
    per_industry = np.array([len(words) for _, words in INDUSTRIES.values()])
    noun = np.concatenate([[0], np.cumsum(per_industry)[:-1]])[industry] + (
        rng.random(len(industry)) * per_industry[industry]
    ).astype(np.int64)
    root = rng.integers(0, len(NAME_ROOTS), len(industry))
    suffix = rng.integers(0, len(NAME_SUFFIXES), len(industry))
    name = (
        pd.Series(np.array(NAME_ROOTS, dtype=object)[root])
        + " "
        + np.array(nouns, dtype=object)[noun]
        + np.array(NAME_SUFFIXES, dtype=object)[suffix]
    )
    tld = np.where(rng.random(len(industry)) < 0.8, ".com", ".io")
    domain = pd.Series(ascii_slugs(NAME_ROOTS)[root]) + ascii_slugs(tuple(nouns))[noun] + tld
    return name.astype("str"), domain.astype("str")


def build_leads(
    rng: np.random.Generator, accounts: pd.DataFrame, n: int, clock: Clock
) -> pd.DataFrame:
    """Return the leads' internal frame: account, person, title, channel, creation time."""
    weight = LEADS_PER_ACCOUNT_WEIGHT[accounts["segment"]] * rng.lognormal(0, 0.9, len(accounts))
    account = pick(rng, weight, n)
    created = np.sort(clock.creation_times(rng, n))  # IDs then follow creation order
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    email = (
        pd.Series(ascii_slugs(FIRST_NAMES)[first])
        + "."
        + ascii_slugs(LAST_NAMES)[last]
        + "@"
        + accounts["domain"].to_numpy(dtype=object)[account]
    )
    seniority = pick(rng, SENIORITY_SHARE, n)
    department = pick(rng, DEPARTMENT_SHARE, n)
    titles = np.array([t for t in TITLES.values()], dtype=object)  # department x seniority
    industry_names = np.array(list(INDUSTRIES), dtype=object)
    return pd.DataFrame(
        {
            "account": account,
            "created": created,
            "first": first,
            "last": last,
            "email": email.astype("str"),
            "seniority": seniority,
            "title": titles[department, seniority],
            "channel": pick(rng, [v[0] for v in CHANNELS.values()], n),
            "segment": accounts["segment"].to_numpy()[account],
            "icp": np.isin(
                industry_names[accounts["industry"].to_numpy()[account]], list(ICP_INDUSTRIES)
            ),
        }
    )


def build_funnel(rng: np.random.Generator, leads: pd.DataFrame, clock: Clock) -> pd.DataFrame:
    """Return per-lead MQL / SAL / SQL / first meeting / disqualified times (NaN = never)."""
    n = len(leads)
    channel, segment = leads["channel"].to_numpy(), leads["segment"].to_numpy()
    table = np.array(list(CHANNELS.values()))
    icp = leads["icp"].to_numpy()
    p_mql = table[channel, 1] * np.where(icp, 1.08, 0.95)
    p_sql = (
        table[channel, 2]
        * SENIORITY_SQL_FACTOR[leads["seniority"].to_numpy()]
        * np.where(icp, 1.2, 0.88)
        * SQL_SEGMENT_FACTOR[segment]
    )
    created = leads["created"].to_numpy()
    mql = created + HOUR + lognormal_seconds(rng, 10 * DAY, 1.0, n)
    is_mql = (rng.random(n) < p_mql) & (mql <= clock.end_s)
    reaches_sql = is_mql & (rng.random(n) < p_sql)
    has_sal = np.where(reaches_sql, rng.random(n) < 0.93, is_mql & (rng.random(n) < 0.45))
    sal = mql + lognormal_seconds(rng, SAL_MEDIAN_HOURS[segment] * HOUR, SAL_SIGMA[segment], n)
    sql = np.where(has_sal, sal, mql) + lognormal_seconds(rng, 5 * DAY, 0.8, n)
    is_sql = reaches_sql & (sql <= clock.end_s)
    has_sal &= sal <= clock.end_s
    meeting = sql + lognormal_seconds(rng, 2.5 * DAY, 0.9, n)
    has_meeting = is_sql & (rng.random(n) < 0.92) & (meeting <= clock.end_s)
    rejected = is_mql & ~is_sql
    disqualified = np.where(
        has_sal,
        sal + lognormal_seconds(rng, 12 * DAY, 0.8, n),
        mql + lognormal_seconds(rng, 3 * HOUR, 1.0, n),
    )
    is_disqualified = (
        rejected & (rng.random(n) < np.where(has_sal, 0.3, 0.7)) & (disqualified <= clock.end_s)
    )
    return pd.DataFrame(
        {
            "mql": np.where(is_mql, mql, np.nan),
            "sal": np.where(has_sal, sal, np.nan),
            "sql": np.where(is_sql, sql, np.nan),
            "meeting": np.where(has_meeting, meeting, np.nan),
            "disqualified": np.where(is_disqualified, disqualified, np.nan),
        }
    )


def account_opportunity_counts(
    rng: np.random.Generator, converted_segment: np.ndarray, total: int
) -> np.ndarray:
    """Return how many account-level opportunities each segment needs to reach the target mix."""
    extra = max(total - len(converted_segment), 0)
    need = np.clip(
        np.round(OPPORTUNITY_SEGMENT_MIX * total) - np.bincount(converted_segment, minlength=3),
        0,
        None,
    )
    shares = need if need.sum() > 0 else OPPORTUNITY_SEGMENT_MIX
    return rng.multinomial(extra, shares / shares.sum())


def build_opportunities(
    rng: np.random.Generator,
    accounts: pd.DataFrame,
    leads: pd.DataFrame,
    funnel: pd.DataFrame,
    total: int,
    clock: Clock,
) -> pd.DataFrame:
    """Return the opportunities' internal frame: source lead, account, outcome, amount, dates."""
    source = np.flatnonzero(funnel["sql"].notna().to_numpy())
    counts = account_opportunity_counts(rng, leads["segment"].to_numpy()[source], total)
    by_segment = [np.flatnonzero(accounts["segment"].to_numpy() == s) for s in range(3)]
    extra_account = np.concatenate(
        [
            rng.choice(pool, k) if len(pool) else pool[:0]
            for pool, k in zip(by_segment, counts, strict=True)
        ]
    )
    n_extra = len(extra_account)
    account = np.concatenate([leads["account"].to_numpy()[source], extra_account])
    sql_time = funnel["sql"].to_numpy()[source].astype(np.int64)
    created = np.minimum(
        np.concatenate(
            [sql_time + rng.integers(60, HOUR, len(source)), clock.creation_times(rng, n_extra)]
        ),
        clock.end_s,
    )
    seniority_lift = np.concatenate(
        [SENIORITY_WIN_FACTOR[leads["seniority"].to_numpy()[source]], np.ones(n_extra)]
    )
    channel_names = np.array(list(CHANNELS), dtype=object)
    channel = np.concatenate(
        [
            channel_names[leads["channel"].to_numpy()[source]],
            np.array(list(ACCOUNT_OPPORTUNITY_CHANNELS), dtype=object)[
                pick(rng, list(ACCOUNT_OPPORTUNITY_CHANNELS.values()), n_extra)
            ],
        ]
    )
    frame = pd.DataFrame(
        {
            "lead": np.concatenate([source, np.full(n_extra, -1)]),
            "account": account,
            "segment": accounts["segment"].to_numpy()[account],
            "created": created,
            "channel": channel,
        }
    )
    icp_lift = np.where(
        np.isin(
            np.array(list(INDUSTRIES))[accounts["industry"].to_numpy()[account]],
            list(ICP_INDUSTRIES),
        ),
        1.35,
        0.8,
    )
    return settle_outcomes(rng, frame, seniority_lift * icp_lift, clock)


def settle_outcomes(
    rng: np.random.Generator, opps: pd.DataFrame, lift: np.ndarray, clock: Clock
) -> pd.DataFrame:
    """Return opportunities with win, amount, close date, stage and margin settled."""
    n, segment = len(opps), opps["segment"].to_numpy()
    # Normalise the lift within each segment so segment win rates stay on target.
    mean_lift = pd.Series(lift).groupby(segment).transform("mean").to_numpy()
    wins = systematic_draw(rng, np.clip(WIN_RATE[segment] * lift / mean_lift, 0, 0.95), segment)
    cycle = lognormal_seconds(rng, CYCLE_MEDIAN_DAYS[segment] * DAY, 0.55, n)
    close = opps["created"].to_numpy() + np.maximum(cycle, DAY)
    # A quarter of the deals due in the last 45 days slip past the end and stay open.
    slipped = (close > clock.end_s - 45 * DAY) & (rng.random(n) < 0.25)
    pushed = np.maximum(close, clock.end_s) + rng.integers(DAY, 60 * DAY, n)
    close = np.where(slipped, pushed, close)
    closed = close <= clock.end_s
    progress = (clock.end_s - opps["created"].to_numpy()) / (close - opps["created"].to_numpy())
    open_stage = np.array(OPEN_STAGES, dtype=object)[np.minimum((progress * 6).astype(int), 5)]
    stage = np.where(closed, np.where(wins, "Closed Won", "Closed Lost"), open_stage)
    amount = np.round(AMOUNT_MEDIAN[segment] * rng.lognormal(0, 0.7, n), -2).clip(1_000)
    has_margin = closed & wins & (rng.random(n) < 0.8)
    margin = np.where(has_margin, np.round(amount * rng.uniform(0.25, 0.75, n), 2), np.nan)
    product = np.array(PRODUCTS, dtype=object)[rng.integers(0, len(PRODUCTS), n)]
    settled = opps.assign(
        would_win=wins,
        close=close,
        is_closed=closed,
        is_won=closed & wins,
        stage=stage,
        amount=amount,
        margin=margin,
        product=product,
    )
    # IDs follow creation order, as in a real org.
    return settled.sort_values("created", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- activities


def lead_horizons(
    rng: np.random.Generator, leads: pd.DataFrame, funnel: pd.DataFrame, clock: Clock
) -> np.ndarray:
    """Return each lead's last possible activity: `end`, or > 30 days earlier for stale leads."""
    created = leads["created"].to_numpy()
    cutoff = clock.end_s - 31 * DAY
    stale = (
        funnel["mql"].isna().to_numpy()
        & (created < clock.end_s - 60 * DAY)
        & (rng.random(len(created)) < 0.10)
    )
    return np.where(
        stale,
        created + (rng.random(len(created)) * (cutoff - created)).astype(np.int64),
        clock.end_s,
    )


def window_tasks(
    rng: np.random.Generator, rates: dict[str, np.ndarray], anchor: np.ndarray, earliest: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return Poisson-many activities per lead and type in the 30 days before each anchor."""
    pieces = []
    span = np.minimum(30 * DAY, anchor - earliest)
    for kind, rate in rates.items():
        lead = np.repeat(np.arange(len(rate)), rng.poisson(rate))
        moment = anchor[lead] - (rng.random(len(lead)) * span[lead]).astype(np.int64)
        pieces.append((lead, pick_subject(rng, np.full(len(lead), T[kind])), moment))
    return pieces


def planted_tasks(
    rng: np.random.Generator, funnel: pd.DataFrame, won: np.ndarray, created: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return the behaviour that carries signal: bursts before MQL and SQL, hand-raiser demos."""
    mql = funnel["mql"].notna().to_numpy().astype(float)
    sql = funnel["sql"].notna().to_numpy().astype(float)
    mql_s = np.nan_to_num(funnel["mql"].to_numpy(), nan=0).astype(np.int64)
    sql_s = np.nan_to_num(funnel["sql"].to_numpy(), nan=0).astype(np.int64)
    before_mql = {
        "pricing_page_view": mql * (0.6 + 0.8 * sql + 1.2 * won),
        "demo_request": mql * (0.3 + 0.4 * sql + 0.15 * won),
        "intent_surge": mql * (0.4 + 0.6 * sql + 0.2 * won),
        "content_download": mql * 0.8,
        "email_click": mql * 1.0,
        "webinar": mql * 0.3,
    }
    before_sql = {
        "pricing_page_view": sql * (0.5 + 1.0 * won),
        "demo_request": sql * (0.2 + 0.1 * won),
        "intent_surge": sql * (0.3 + 0.2 * won),
        "meeting": sql * (0.5 + 0.4 * won),
        "call": sql * 1.0,
    }
    hand_raiser = np.flatnonzero((mql > 0) & (rng.random(len(mql)) < 0.25))
    demo = (
        hand_raiser,
        np.full(len(hand_raiser), SUBJECT_OFFSET[T["demo_request"]]),
        mql_s[hand_raiser] - rng.integers(60, 1800, len(hand_raiser)),
    )
    return (
        window_tasks(rng, before_mql, mql_s, created)
        + window_tasks(rng, before_sql, sql_s, mql_s)
        + [demo]
    )


def deal_tasks(
    rng: np.random.Generator, funnel: pd.DataFrame, opps: pd.DataFrame, clock: Clock
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return first meetings and the calls and meetings of converted leads' open deal time."""
    meeting = np.flatnonzero(funnel["meeting"].notna().to_numpy())
    first = (
        meeting,
        np.full(len(meeting), DISCOVERY_CALL),
        funnel["meeting"].to_numpy()[meeting].astype(np.int64),
    )
    sourced = opps[opps["lead"] >= 0]
    start = funnel["sql"].to_numpy()[sourced["lead"].to_numpy()].astype(np.int64)
    stop = np.minimum(sourced["close"].to_numpy(), clock.end_s)
    row = np.repeat(np.arange(len(sourced)), rng.poisson(3.0, len(sourced)))
    kind = np.where(rng.random(len(row)) < 0.5, T["meeting"], T["call"])
    moment = start[row] + (rng.random(len(row)) * (stop - start)[row]).astype(np.int64)
    return [first, (sourced["lead"].to_numpy()[row], pick_subject(rng, kind), moment)]


def background_tasks(
    rng: np.random.Generator, count: int, created: np.ndarray, horizon: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return heavy-tailed everyday activity, each dated between creation and the horizon."""
    exposure = (horizon - created) / DAY + 7
    weight = rng.lognormal(0, 1.1, len(created)) * exposure**0.6
    lead = np.repeat(np.arange(len(created)), rng.multinomial(max(count, 0), weight / weight.sum()))
    moment = created[lead] + (rng.random(len(lead)) * (horizon - created)[lead]).astype(np.int64)
    return lead, pick_subject(rng, pick(rng, BACKGROUND_SHARE, len(lead))), moment


def orphan_tasks(
    rng: np.random.Generator, count: int, n_leads: int, clock: Clock
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return activities whose WhoId is a lead number no lead has (a deleted lead)."""
    lead = n_leads + 500 + np.arange(count)
    moment = rng.integers(clock.start_s, clock.end_s, count)
    return lead, pick_subject(rng, pick(rng, BACKGROUND_SHARE, count)), moment


def build_tasks(
    rng: np.random.Generator,
    total: int,
    leads: pd.DataFrame,
    funnel: pd.DataFrame,
    opps: pd.DataFrame,
    horizon: np.ndarray,
    clock: Clock,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (lead, subject, moment) of every activity, sorted by moment; orphans included."""
    created = leads["created"].to_numpy()
    won = np.zeros(len(leads))
    sourced = opps[opps["lead"] >= 0]
    won[sourced["lead"].to_numpy()] = sourced["would_win"].to_numpy()
    pieces = planted_tasks(rng, funnel, won, created) + deal_tasks(rng, funnel, opps, clock)
    n_orphans = max(1, round(total / 10_000))
    planted = sum(len(p[0]) for p in pieces) + n_orphans + duplicate_count(total)
    pieces += [
        background_tasks(rng, total - planted, created, horizon),
        orphan_tasks(rng, n_orphans, len(leads), clock),
    ]
    lead, subject, moment = (np.concatenate([p[i] for p in pieces]) for i in range(3))
    order = np.argsort(moment, kind="stable")
    return lead[order], subject[order].astype(np.int16), moment[order]


def duplicate_count(total: int) -> int:
    """Return how many exact duplicate task rows to plant (one per 40,000, at least one)."""
    return max(1, round(total / 40_000))


# ---------------------------------------------------------------- export frames


def account_frame(
    rng: np.random.Generator,
    accounts: pd.DataFrame,
    leads: pd.DataFrame,
    opps: pd.DataFrame,
    clock: Clock,
) -> pd.DataFrame:
    """Return Account.csv's columns; each account predates its first lead and opportunity."""
    n = len(accounts)
    first = np.full(n, clock.end_s, dtype=np.int64)
    np.minimum.at(first, leads["account"].to_numpy(), leads["created"].to_numpy())
    np.minimum.at(first, opps["account"].to_numpy(), opps["created"].to_numpy())
    seen = (
        np.bincount(leads["account"], minlength=n) + np.bincount(opps["account"], minlength=n)
    ) > 0
    created = np.where(
        seen,
        first - lognormal_seconds(rng, 120 * DAY, 1.0, n),
        rng.integers(clock.start_s - 3 * 365 * DAY, clock.end_s - DAY, n),
    )
    modified = created + (rng.random(n) * (clock.end_s - created)).astype(np.int64)
    return pd.DataFrame(
        {
            "Id": salesforce_ids(ID_PREFIX["Account"], np.arange(n) + 1),
            "Name": accounts["name"],
            "Industry": industry_labels(accounts),
            "AnnualRevenue": pd.array(
                np.where(accounts["no_revenue"], np.nan, accounts["revenue"]), dtype="Int64"
            ),
            "NumberOfEmployees": pd.array(
                np.where(accounts["no_employees"], np.nan, accounts["employees"]), dtype="Int64"
            ),
            "BillingCountry": pd.Series(
                np.array(list(COUNTRIES), dtype=object)[accounts["country"]], dtype="str"
            ),
            "CreatedDate": timestamps(created),
            "LastModifiedDate": timestamps(modified),
        }
    )


def industry_labels(accounts: pd.DataFrame) -> pd.Series:
    """Return the accounts' Industry as the CRM writes it, blank where unknown."""
    labels = np.array(list(INDUSTRIES), dtype=object)[accounts["industry"]]
    return pd.Series(np.where(accounts["no_industry"], None, labels), dtype="str")


def lead_status(
    rng: np.random.Generator, funnel: pd.DataFrame, stale: np.ndarray, contacted: np.ndarray
) -> pd.Series:
    """Return Lead.Status: converted, rejected, being worked, or still open."""
    converted = funnel["sql"].notna().to_numpy()
    closed_lost = funnel["disqualified"].notna().to_numpy() | (
        funnel["mql"].isna().to_numpy() & ~stale & (rng.random(len(stale)) < 0.08)
    )
    working = funnel["mql"].notna().to_numpy() | contacted
    code = np.select([converted, closed_lost, working], [2, 3, 1], default=0)
    return pd.Series(pd.Categorical.from_codes(code, LEAD_STATUSES)).astype("str")


def lead_frame(
    rng: np.random.Generator,
    leads: pd.DataFrame,
    funnel: pd.DataFrame,
    account_table: pd.DataFrame,
    ids: dict[str, pd.Series],
    opp_of_lead: np.ndarray,
    activity: dict[str, np.ndarray],
    clock: Clock,
) -> pd.DataFrame:
    """Return Lead.csv's columns; firmographics copy the account's."""
    n, account = len(leads), leads["account"].to_numpy()
    firmographics = account_table.iloc[account].reset_index(drop=True)
    created, horizon = leads["created"].to_numpy(), activity["horizon"]
    bounced = rng.random(n) < 0.035
    bounce = np.where(bounced, created + rng.random(n) * (horizon - created), np.nan)
    touched = np.nanmax(
        np.column_stack([created, funnel.to_numpy(), bounce, activity["last"]]), axis=1
    )
    # Enrichment syncs keep touching every lead that is not stale; stale ones stop being touched.
    touched = touched + rng.integers(0, 600, n)
    synced = np.maximum(touched, clock.end_s - rng.integers(0, 25 * DAY, n))
    modified = np.where(
        horizon < clock.end_s, np.minimum(touched, horizon), np.minimum(synced, clock.end_s)
    )
    converted = funnel["sql"].notna().to_numpy()
    return pd.DataFrame(
        {
            "Id": ids["Lead"],
            "FirstName": pd.Series(
                np.array(FIRST_NAMES, dtype=object)[leads["first"]], dtype="str"
            ),
            "LastName": pd.Series(np.array(LAST_NAMES, dtype=object)[leads["last"]], dtype="str"),
            "Email": leads["email"],
            "Company": firmographics["Name"],
            "Title": leads["title"].astype("str"),
            "LeadSource": pd.Series(
                np.array(list(CHANNELS), dtype=object)[leads["channel"]], dtype="str"
            ),
            "Status": lead_status(rng, funnel, horizon < clock.end_s, activity["contacted"]),
            "Industry": firmographics["Industry"],
            "AnnualRevenue": firmographics["AnnualRevenue"],
            "NumberOfEmployees": firmographics["NumberOfEmployees"],
            "IsConverted": converted,
            "ConvertedDate": dates(funnel["sql"].to_numpy()),
            "ConvertedAccountId": take_or_blank(ids["Account"], np.where(converted, account, -1)),
            "ConvertedOpportunityId": take_or_blank(ids["Opportunity"], opp_of_lead),
            "CreatedDate": timestamps(created),
            "LastModifiedDate": timestamps(modified),
            "EmailBouncedDate": timestamps(bounce),
            "EmailBouncedReason": pd.Series(
                np.where(
                    bounced,
                    np.array(BOUNCE_REASONS, dtype=object)[rng.integers(0, len(BOUNCE_REASONS), n)],
                    None,
                ),
                dtype="str",
            ),
            "MQL_Date__c": timestamps(funnel["mql"].to_numpy()),
            "SAL_Date__c": timestamps(funnel["sal"].to_numpy()),
            "SQL_Date__c": timestamps(funnel["sql"].to_numpy()),
            "First_Meeting_Date__c": timestamps(funnel["meeting"].to_numpy()),
            "Disqualified_Date__c": timestamps(funnel["disqualified"].to_numpy()),
        }
    )


def opportunity_frame(
    opps: pd.DataFrame, ids: dict[str, pd.Series], account_names: pd.Series
) -> pd.DataFrame:
    """Return Opportunity.csv's columns."""
    account = opps["account"].to_numpy()
    name = account_names.to_numpy(dtype=object)[account] + " - " + opps["product"].to_numpy()
    return pd.DataFrame(
        {
            "Id": ids["Opportunity"],
            "AccountId": take_or_blank(ids["Account"], account),
            "Name": pd.Series(name, dtype="str"),
            "StageName": opps["stage"].astype("str"),
            "Amount": opps["amount"].to_numpy(),
            "CloseDate": dates(opps["close"].to_numpy()),
            "IsClosed": opps["is_closed"].to_numpy(),
            "IsWon": opps["is_won"].to_numpy(),
            "LeadSource": opps["channel"].astype("str"),
            "CreatedDate": timestamps(opps["created"].to_numpy()),
            "Gross_Margin__c": opps["margin"].to_numpy(),
        }
    )


def task_frame(
    rng: np.random.Generator,
    tasks: tuple[np.ndarray, np.ndarray, np.ndarray],
    leads: pd.DataFrame,
    funnel: pd.DataFrame,
    ids: dict[str, pd.Series],
    opp_of_lead: np.ndarray,
) -> pd.DataFrame:
    """Return Task.csv's columns, with a few exact duplicate rows appended."""
    lead, subject, moment = tasks
    known = lead < len(leads)
    safe = np.where(known, lead, 0)
    opp = np.where(known, opp_of_lead[safe], -1)
    after_conversion = moment >= np.nan_to_num(funnel["sql"].to_numpy(), nan=np.inf)[safe]
    account = np.where(opp >= 0, leads["account"].to_numpy()[safe], -1)
    frame = pd.DataFrame(
        {
            "Id": salesforce_ids(ID_PREFIX["Task"], np.arange(len(lead)) + 1),
            "WhoId": salesforce_ids(ID_PREFIX["Lead"], lead + 1),
            "WhatId": take_or_blank(ids["Opportunity"], np.where(after_conversion, opp, -1)),
            "AccountId": take_or_blank(ids["Account"], account),
            "Subject": pd.Categorical.from_codes(subject, SUBJECTS),
            "ActivityDate": dates(moment),
            "Status": pd.Categorical.from_codes(np.zeros(len(lead), np.int8), ["Completed"]),
            "TaskSubtype": pd.Categorical.from_codes(SUBTYPE_OF_SUBJECT[subject], TASK_SUBTYPES),
            "CreatedDate": timestamps(moment),
        }
    )
    repeat = rng.choice(len(frame), duplicate_count(len(frame)), replace=False)
    return pd.concat([frame, frame.iloc[np.sort(repeat)]], ignore_index=True)


def lead_activity(
    tasks: tuple[np.ndarray, np.ndarray, np.ndarray], n_leads: int, horizon: np.ndarray
) -> dict[str, np.ndarray]:
    """Return per lead: last activity moment (NaN if none), whether sales called, the horizon."""
    lead, subject, moment = tasks
    known = lead < n_leads
    last = np.full(n_leads, -1, dtype=np.int64)
    np.maximum.at(last, lead[known], moment[known])
    sales_touch = np.flatnonzero([s.startswith(("Call:", "Meeting:")) for s in SUBJECTS])
    called = known & np.isin(subject, sales_touch)
    contacted = np.bincount(lead[called], minlength=n_leads) > 0
    return {"last": np.where(last >= 0, last, np.nan), "contacted": contacted, "horizon": horizon}


# ---------------------------------------------------------------- custom fields


def lead_outcomes(opps: pd.DataFrame, leads: int) -> np.ndarray:
    """Return per lead 'won' or 'lost' when its own opportunity closed so, else 'other'."""
    outcome = np.full(leads, "other", dtype=object)
    sourced = opps[(opps["lead"] >= 0) & opps["is_closed"]]
    outcome[sourced["lead"].to_numpy()] = np.where(sourced["is_won"], "won", "lost")
    return outcome


def custom_lead_fields(rng: np.random.Generator, outcome: np.ndarray) -> pd.DataFrame:
    """Return the custom lead fields, drawn given each lead's outcome: Partner_Tier__c and
    Webinar_Minutes__c with planted effects on winning, Newsletter_Opt_In__c with none, and
    Sales_Status__c a leak (set by sales once the deal closed: "Closed - Won" for 97% of won
    leads and never otherwise)."""
    n = len(outcome)
    won, lost = outcome == "won", outcome == "lost"
    tier = np.empty(n, dtype=object)
    for name, shares in TIER_SHARES.items():
        rows = np.flatnonzero(outcome == name)
        tier[rows] = np.array(PARTNER_TIERS, dtype=object)[pick(rng, list(shares), len(rows))]
    mean = np.where(won, WEBINAR_MEAN_MINUTES["won"], WEBINAR_MEAN_MINUTES["other"])
    minutes = np.round(rng.exponential(mean), 0)
    minutes = np.where(rng.random(n) < WEBINAR_BLANK, np.nan, minutes)
    status = np.select(
        [won & (rng.random(n) < 0.97), lost & (rng.random(n) < 0.9), won | lost],
        ["Closed - Won", "Closed - Lost", "Working"],
        default=np.array(["Open", "Working", "Nurture"], dtype=object)[rng.integers(0, 3, n)],
    )
    return pd.DataFrame(
        {
            "Partner_Tier__c": pd.Series(tier, dtype="str"),
            "Webinar_Minutes__c": pd.Series(minutes).astype("Int64"),
            "Newsletter_Opt_In__c": rng.random(n) < 0.5,
            "Sales_Status__c": pd.Series(status, dtype="str"),
        }
    )


# ---------------------------------------------------------------- the whole org


def generate(
    leads: int = 20_000,
    activities: int = 200_000,
    opportunities: int = 5_000,
    seed: int = 7,
    end: date = END,
) -> dict[str, pd.DataFrame]:
    """Return the org export as {'Account', 'Lead', 'Opportunity', 'Task'} frames, seeded."""
    rng, clock = np.random.default_rng(seed), Clock(end)
    accounts = build_accounts(rng, max(1, round(leads / 5)))
    people = build_leads(rng, accounts, leads, clock)
    funnel = build_funnel(rng, people, clock)
    opps = build_opportunities(rng, accounts, people, funnel, opportunities, clock)
    horizon = lead_horizons(rng, people, funnel, clock)
    tasks = build_tasks(rng, activities, people, funnel, opps, horizon, clock)
    opp_of_lead = np.full(leads, -1, dtype=np.int64)
    sourced = opps["lead"].to_numpy() >= 0
    opp_of_lead[opps["lead"].to_numpy()[sourced]] = np.flatnonzero(sourced)
    account_table = account_frame(rng, accounts, people, opps, clock)
    ids = {
        "Account": account_table["Id"],
        "Lead": salesforce_ids(ID_PREFIX["Lead"], np.arange(leads) + 1),
        "Opportunity": salesforce_ids(ID_PREFIX["Opportunity"], np.arange(len(opps)) + 1),
    }
    activity = lead_activity(tasks, leads, horizon)
    lead_table = lead_frame(rng, people, funnel, account_table, ids, opp_of_lead, activity, clock)
    fields = custom_lead_fields(
        np.random.default_rng((seed, CUSTOM_FIELDS_STREAM)), lead_outcomes(opps, leads)
    )
    return {
        "Account": account_table,
        "Lead": pd.concat([lead_table, fields], axis=1),
        "Opportunity": opportunity_frame(opps, ids, account_table["Name"]),
        "Task": task_frame(rng, tasks, people, funnel, ids, opp_of_lead),
    }


# ---------------------------------------------------------------- writers and command line


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return the frame as Salesforce writes CSV: UTF-8 with BOM, CRLF, minimal quoting."""
    text = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if column in DATE_COLUMNS:
            text[column] = values.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_datetime64_any_dtype(values):
            text[column] = values.dt.strftime(SF_DATETIME)
        elif pd.api.types.is_bool_dtype(values):
            text[column] = np.where(values, "true", "false")
    buffer = io.StringIO()
    text.to_csv(
        buffer,
        index=False,
        lineterminator="\r\n",
        quoting=csv.QUOTE_MINIMAL,
        float_format="%.2f",
        na_rep="",
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_zip(frames: dict[str, pd.DataFrame], path: Path) -> None:
    """Write the four CSVs at the top level of a zip whose bytes depend only on the data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, frame in frames.items():
            info = zipfile.ZipInfo(f"{name}.csv", date_time=(2026, 11, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, csv_bytes(frame), compresslevel=9)


def write_parquet(frames: dict[str, pd.DataFrame], folder: Path) -> None:
    """Write <folder>/<Object>.parquet, typed natively (dates as date32, times as timestamps)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        for column in DATE_COLUMNS & set(frame.columns):
            index = table.schema.get_field_index(column)
            table = table.set_column(index, column, pc.cast(table[column], pa.date32()))
        pq.write_table(table, folder / f"{name}.parquet")


def main(argv: list[str] | None = None) -> None:
    """Generate the export and write it as a zip of CSVs or a folder of Parquet files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--opportunities", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("zip", "parquet"), default="zip")
    parser.add_argument("--out", type=Path, default=Path("data/sample/salesforce_sample.zip"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    frames = generate(args.leads, args.activities, args.opportunities, args.seed)
    generated = time.perf_counter()
    (write_zip if args.format == "zip" else write_parquet)(frames, args.out)
    rows = ", ".join(f"{name} {len(frame):,}" for name, frame in frames.items())
    print(
        f"{rows}; generated in {generated - started:.1f} s, "
        f"written in {time.perf_counter() - generated:.1f} s -> {args.out}"
    )


if __name__ == "__main__":
    main()
