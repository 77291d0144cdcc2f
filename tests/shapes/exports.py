"""The shapes of data a person brings: small Salesforce-shaped exports cut from one generated org.

Each shape is a pure function from the generated frames (Account, Lead, Opportunity, Task) to
the frames its export holds; `write_shape` writes one as a zip. The real Salesforce workshop
export (tests/data/salesforce_workshop) is a shape of its own: every record created on the
bulk-load day, deals closed a year earlier, no lifecycle dates.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from data.generate import END, generate, write_zip

Frames = dict[str, pd.DataFrame]

WORKSHOP = Path(__file__).resolve().parents[1] / "data" / "salesforce_workshop"
# the day a bulk load stamped every CreatedDate, three weeks after the generated history ends
LOAD_DAY = pd.Timestamp(END) + pd.Timedelta(days=21, hours=16, minutes=14)
LIFECYCLE_COLUMNS = [
    "MQL_Date__c",
    "SAL_Date__c",
    "SQL_Date__c",
    "First_Meeting_Date__c",
    "Disqualified_Date__c",
    "ConvertedDate",
]
ENTERPRISE_REVENUE = 2e9


def base_frames(seed: int = 5) -> Frames:
    """Return a small generated org: 240 leads, 2,400 tasks, 60 opportunities, 48 accounts."""
    return generate(240, 2_400, 60, seed)


def only_opportunities(frames: Frames) -> Frames:
    """A pipeline table alone (a win/loss report): no accounts, leads or activities."""
    return {"Opportunity": frames["Opportunity"]}


def only_leads(frames: Frames) -> Frames:
    """A lead list alone: no accounts, activities or deals."""
    return {"Lead": frames["Lead"]}


def leads_without_accounts(frames: Frames) -> Frames:
    """Leads and their activities, no lead converted to an account and no Account file."""
    return {"Lead": frames["Lead"].assign(ConvertedAccountId=""), "Task": frames["Task"]}


def accounts_and_opportunities(frames: Frames) -> Frames:
    """Accounts and their deals, no leads or activities."""
    return {"Account": frames["Account"], "Opportunity": frames["Opportunity"]}


def no_activities(frames: Frames) -> Frames:
    """Every table but activities."""
    return {name: frame for name, frame in frames.items() if name != "Task"}


def leads_without_lifecycle_dates(frames: Frames) -> Frames:
    """An org without MQL / SAL / SQL / meeting / disqualified date fields, nor ConvertedDate."""
    return frames | {"Lead": frames["Lead"].drop(columns=LIFECYCLE_COLUMNS)}


def opportunities_without_amounts(frames: Frames) -> Frames:
    """Deals without Amount (and so without a margin)."""
    return frames | {
        "Opportunity": frames["Opportunity"].drop(columns=["Amount", "Gross_Margin__c"])
    }


def opportunities_without_created_dates(frames: Frames) -> Frames:
    """Deals without CreatedDate (a report that left it out)."""
    return frames | {"Opportunity": frames["Opportunity"].drop(columns=["CreatedDate"])}


def one_segment(frames: Frames) -> Frames:
    """Every account and lead enterprise-sized."""
    big = {"AnnualRevenue": ENTERPRISE_REVENUE, "NumberOfEmployees": 5_000}
    return frames | {
        "Account": frames["Account"].assign(**big),
        "Lead": frames["Lead"].assign(**big),
    }


def created_on_one_day(frames: Frames) -> Frames:
    """A bulk load: every CreatedDate and LastModifiedDate the load day; close, activity and
    lifecycle dates kept from before, so deals closed up to two years earlier."""
    stamped = {"CreatedDate": LOAD_DAY}
    return {
        name: frame.assign(
            **stamped, **({"LastModifiedDate": LOAD_DAY} if "LastModifiedDate" in frame else {})
        )
        for name, frame in frames.items()
    }


def dated_in_the_future(frames: Frames) -> Frames:
    """Every tenth task, MQL date and closed deal's close date moved past the end of the history
    (a meeting booked ahead, a typo'd year): 45, 120 and 400 days."""
    end = pd.Timestamp(END)
    task, lead, deal = (frames[n].copy() for n in ("Task", "Lead", "Opportunity"))
    task.loc[task.index[::10], "ActivityDate"] = end + pd.Timedelta(days=45)
    lead.loc[lead.index[lead["MQL_Date__c"].notna()][::10], "MQL_Date__c"] = end + pd.Timedelta(
        days=120
    )
    deal.loc[deal.index[deal["IsClosed"]][::10], "CloseDate"] = end + pd.Timedelta(days=400)
    return frames | {"Task": task, "Lead": lead, "Opportunity": deal}


SHAPES: dict[str, Callable[[Frames], Frames]] = {
    f.__name__: f
    for f in (
        only_opportunities,
        only_leads,
        leads_without_accounts,
        accounts_and_opportunities,
        no_activities,
        leads_without_lifecycle_dates,
        opportunities_without_amounts,
        opportunities_without_created_dates,
        one_segment,
        created_on_one_day,
        dated_in_the_future,
    )
}
# every shape the matrix runs: the generated ones and the real bulk-loaded org
SHAPE_NAMES = (*SHAPES, "salesforce_workshop")


def write_shape(name: str, folder: Path) -> Path:
    """Write the named shape's export into folder and return its path (a zip, or the folder of
    the real workshop export)."""
    if name == "salesforce_workshop":
        return WORKSHOP
    path = folder / f"{name}.zip"
    write_zip(SHAPES[name](base_frames()), path)
    return path
