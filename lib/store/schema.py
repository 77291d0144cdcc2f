"""The canonical tables every importer fills and every query reads.

Each column is (DuckDB type, meaning). Raw CRM names are renamed to these once, at ingest;
the original CRM record ID is kept on every row so results can be written back.
"""

from __future__ import annotations

ACTIVITY_TYPES: tuple[str, ...] = (
    "page_view",
    "pricing_page_view",
    "demo_request",
    "content_download",
    "email_open",
    "email_click",
    "webinar",
    "meeting",
    "call",
    "form_submission",
    "intent_surge",
    "competitor_research",
    "other",
)

TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "accounts": {
        "account_id": ("VARCHAR", "CRM record ID of the company / account"),
        "name": ("VARCHAR", "company name"),
        "industry": ("VARCHAR", "industry label as the CRM writes it"),
        "annual_revenue_usd": ("DOUBLE", "annual revenue in US dollars"),
        "employees": ("BIGINT", "number of employees"),
        "country": ("VARCHAR", "billing country"),
        "created_at": ("TIMESTAMP", "when the record was created in the CRM"),
        "segment": ("VARCHAR", "segment the export states (a size code mapped to a segment name)"),
        "region": ("VARCHAR", "sales region or territory"),
    },
    "leads": {
        "lead_id": ("VARCHAR", "CRM record ID of the lead or contact"),
        "account_id": ("VARCHAR", "account the person belongs to, when known"),
        "email": ("VARCHAR", "email address"),
        "first_name": ("VARCHAR", "first name"),
        "last_name": ("VARCHAR", "last name"),
        "company_name": ("VARCHAR", "company as typed on the lead"),
        "title": ("VARCHAR", "job title"),
        "channel": ("VARCHAR", "lead source / original traffic source"),
        "industry": ("VARCHAR", "industry on the lead itself (used when no account)"),
        "annual_revenue_usd": ("DOUBLE", "company revenue on the lead itself, US dollars"),
        "employees": ("BIGINT", "company size on the lead itself"),
        "created_at": ("TIMESTAMP", "when the lead was created"),
        "mql_at": ("TIMESTAMP", "became a marketing qualified lead"),
        "sal_at": ("TIMESTAMP", "accepted by sales"),
        "sql_at": ("TIMESTAMP", "became a sales qualified lead"),
        "first_meeting_at": ("TIMESTAMP", "first sales meeting held"),
        "disqualified_at": ("TIMESTAMP", "rejected / disqualified"),
        "email_bounced": ("BOOLEAN", "the email address hard-bounced"),
        "email_bounced_at": ("TIMESTAMP", "when the email address bounced, when the CRM says"),
        "updated_at": ("TIMESTAMP", "last modification of the record"),
        "segment": ("VARCHAR", "segment the export states, when it does"),
        "region": ("VARCHAR", "sales region or territory"),
        "product": ("VARCHAR", "product or product line of interest"),
        "sector": ("VARCHAR", "sector or vertical as the sales team groups it"),
        "owner": ("VARCHAR", "owning sales rep or team"),
        "route_to_market": ("VARCHAR", "direct, partner, reseller... as the export writes it"),
        "converted": ("BOOLEAN", "the lead converted (the export's own flag; an outcome)"),
        "converted_at": ("TIMESTAMP", "when the lead converted, when the export says"),
    },
    "activities": {
        "activity_id": ("VARCHAR", "CRM record ID of the task / event / engagement"),
        "lead_id": ("VARCHAR", "person who did it"),
        "account_id": ("VARCHAR", "their account, when known"),
        "activity_type": ("VARCHAR", "one of ACTIVITY_TYPES"),
        "occurred_at": ("TIMESTAMP", "when it happened"),
        "subject": ("VARCHAR", "subject line as the CRM wrote it"),
    },
    "opportunities": {
        "opportunity_id": ("VARCHAR", "CRM record ID of the opportunity / deal"),
        "account_id": ("VARCHAR", "account; the opportunity's segment is its account's"),
        "lead_id": ("VARCHAR", "source lead or contact, when known"),
        "name": ("VARCHAR", "opportunity name"),
        "stage": ("VARCHAR", "stage label as the CRM writes it"),
        "channel": ("VARCHAR", "lead source of the opportunity"),
        "created_at": ("TIMESTAMP", "when the opportunity was created"),
        "close_date": ("DATE", "close date (expected close date while open)"),
        "is_closed": ("BOOLEAN", "closed won or closed lost"),
        "is_won": ("BOOLEAN", "closed won"),
        "amount_usd": ("DOUBLE", "amount in US dollars"),
        "gross_margin_usd": ("DOUBLE", "gross margin in US dollars, when the CRM tracks it"),
        "cycle_days": ("DOUBLE", "days from creation to close as the export states them"),
        "region": ("VARCHAR", "sales region or territory"),
        "product": ("VARCHAR", "product or product line sold"),
        "sector": ("VARCHAR", "sector or vertical as the sales team groups it"),
        "owner": ("VARCHAR", "owning sales rep or team"),
        "route_to_market": ("VARCHAR", "direct, partner, reseller... as the export writes it"),
    },
}

# Source columns kept as they are (`attributes:` in a mapping), one row per record and column
# with a value (long form). Their names are user text, so they are values, never identifiers:
# a wide table would need SQL built from header names. Long form also keeps one fixed schema
# for every export (older dataset files and Spark read it alike) and stores no blanks, which
# CRM custom fields mostly are. bench/attributes.py measures it against a wide table.
ATTRIBUTE_VALUES: dict[str, tuple[str, str]] = {
    "name": ("VARCHAR", "the source column's header, as written"),
    "number_value": ("DOUBLE", "the value, when the column holds numbers"),
    "date_value": ("TIMESTAMP", "the value, when the column holds dates"),
    "flag_value": ("BOOLEAN", "the value, when the column holds true/false"),
    "text_value": ("VARCHAR", "the value, trimmed, when the column holds categories or text"),
}
ATTRIBUTE_TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "attributes": {
        "record_table": ("VARCHAR", "leads or accounts"),
        "name": ("VARCHAR", "the source column's header, as written"),
        "kind": ("VARCHAR", "number, date, boolean or category (inferred from every value)"),
        "source_file": ("VARCHAR", "the export file it was read from"),
        "filled": ("BIGINT", "records with a value"),
    },
    "lead_attributes": {"lead_id": ("VARCHAR", "the lead"), **ATTRIBUTE_VALUES},
    "account_attributes": {"account_id": ("VARCHAR", "the account"), **ATTRIBUTE_VALUES},
}
# the canonical table whose records an attribute table describes, and its key
ATTRIBUTE_OWNERS: dict[str, str] = {"leads": "lead_attributes", "accounts": "account_attributes"}
ATTRIBUTE_KINDS: tuple[str, ...] = ("number", "date", "boolean", "category")
STORED_TABLES: dict[str, dict[str, tuple[str, str]]] = {**TABLES, **ATTRIBUTE_TABLES}

# columns kept from an export to break KPIs down by, beside channel and segment
DIMENSIONS: tuple[str, ...] = ("region", "product", "sector", "owner", "route_to_market")

PRIMARY_KEYS: dict[str, str] = {
    "accounts": "account_id",
    "leads": "lead_id",
    "activities": "activity_id",
    "opportunities": "opportunity_id",
}


def create_table_sql(table: str, name: str | None = None) -> str:
    """Return the CREATE TABLE statement for a canonical table (identifiers from constants only)."""
    columns = ", ".join(f"{col} {typ}" for col, (typ, _) in STORED_TABLES[table].items())
    return f"CREATE TABLE IF NOT EXISTS {name or table} ({columns})"


def compatible_view_sql(table: str, present: set[str]) -> str:
    """Return a view of an attached dataset's table with today's columns: a column an older
    Qualify did not write yet reads as NULL (identifiers from constants only)."""
    columns = ", ".join(
        col if col in present else f"cast(null as {typ}) as {col}"
        for col, (typ, _) in STORED_TABLES[table].items()
    )
    if not present:  # a table an older Qualify did not write at all: there, but empty
        return f"create view {table} as select {columns} where false"
    return f"create view {table} as select {columns} from data.main.{table}"
