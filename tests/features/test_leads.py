from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from lib.features import decay_weights, history_features, lead_features, title_roles
from lib.model import default_model
from lib.store.connection import connect

AS_OF = "2024-06-01 00:00:00"


def tiny_db():
    # the data ends when a record was last written: L2's edit on 1 June (AS_OF)
    conn = connect(":memory:")
    conn.execute(
        "insert into accounts (account_id, name, industry, annual_revenue_usd, employees, country, "
        "created_at) values ('A1', 'Acme', 'Computer Software', 2e9, 5000, "
        "'US', '2024-01-01')"
    )
    conn.execute("""insert into leads (lead_id, account_id, email, company_name, title, channel,
        created_at, updated_at, email_bounced) values
        ('L1', 'A1', 'vp@acme.com', 'Acme', 'VP of IT', 'web', '2024-01-01', '2024-05-01', false),
        ('L2', 'A1', 'ann@acme.com', 'Acme', 'Engineer', 'web', '2024-01-01', '2024-06-01', false),
        ('L3', null, 'kid@gmail.com', null, 'Student', 'ads', '2024-01-01', '2024-01-02', true)""")
    conn.execute(f"""insert into activities values
        ('X1', 'L1', 'A1', 'pricing_page_view', timestamp '{AS_OF}' - interval 3 day, 'p'),
        ('X2', 'L1', 'A1', 'pricing_page_view', timestamp '{AS_OF}' - interval 40 day, 'p'),
        ('X3', 'L1', 'A1', 'demo_request', timestamp '{AS_OF}' - interval 61 day, 'd'),
        ('X4', 'L2', 'A1', 'email_open', timestamp '{AS_OF}', 'e')""")
    conn.execute("""insert into opportunities (opportunity_id, account_id, lead_id, name, stage,
        channel, created_at, close_date, is_closed, is_won, amount_usd, gross_margin_usd)
        values ('O1', 'A1', 'L1', 'Deal', 'Closed Won',
        'web', '2024-05-01', '2024-06-01', true, true, 30000, 10000)""")
    return conn


def test_one_row_per_lead_with_firmographics_from_the_account():
    features = lead_features(tiny_db())
    assert features["lead_id"].tolist() == ["L1", "L2", "L3"]
    first = features.iloc[0]
    assert first["industry"] == "Computer Software" and first["segment"] == "enterprise"
    assert features.iloc[2]["segment"] == "unassigned"
    assert features["as_of"].iloc[0] == pd.Timestamp(AS_OF)


def test_activities_are_counted_per_type_bucket_and_window():
    first = lead_features(tiny_db()).iloc[0]
    assert first["n_pricing_page_view"] == 2 and first["n_pricing_page_view_30d"] == 1
    assert first["act_pricing_page_view__d0_7"] == 1
    assert first["act_pricing_page_view__d30_60"] == 1
    assert first["act_demo_request__d60_90"] == 1
    assert first["days_since_demo_request"] == pytest.approx(61)
    assert first["days_since_last_touch"] == pytest.approx(0 + 3)


def test_outcomes_and_buying_group_helpers():
    features = lead_features(tiny_db()).set_index("lead_id")
    assert bool(features.loc["L1", "won"]) and features.loc["L1", "won_amount_usd"] == 30000
    assert features.loc["L1", "deal_amount_usd"] == 30000
    assert features.loc["L2", "deal_amount_usd"] == 150000  # enterprise typical deal
    assert features.loc["L1", "engaged_colleagues"] == 1
    assert features.loc["L1", "account_engaged_departments"] == 2
    assert bool(features.loc["L3", "company_blank"]) and bool(features.loc["L3", "email_bounced"])


@pytest.mark.parametrize(
    "title, seniority, department",
    [
        ("VP of IT", "vp", "it"),
        ("Chief Technology Officer", "c_level", "it"),
        ("Director, Digital Marketing", "director", "marketing"),
        ("Digital analyst", "other", "other"),  # 'it' must match as a whole word only
        (None, "other", "other"),
    ],
)
def test_titles_map_to_seniority_and_department(title, seniority, department):
    roles = title_roles(pd.Series([title]), default_model().grade)
    assert roles.iloc[0].tolist() == [seniority, department]


def test_an_event_one_half_life_old_counts_half():
    weights = decay_weights(22.0)  # the 14-30 day bucket's mid-point is 22 days
    assert weights[2] == pytest.approx(0.5)
    assert np.all(np.diff(weights) < 0)


def history_db():
    """L1 became an MQL on 1 March; L2 (created 1 May) and L3 (25 May) never; data ends 1 June
    (L3's last edit)."""
    conn = connect(":memory:")
    conn.execute(
        "insert into accounts (account_id, name, industry, annual_revenue_usd, employees, country, "
        "created_at) values ('A1', 'Acme', 'Computer Software', 2e9, 5000, "
        "'US', '2024-01-01')"
    )
    conn.execute("""insert into leads (lead_id, account_id, email, company_name, title,
        created_at, updated_at, mql_at, sql_at) values
        ('L1', 'A1', 'vp@acme.com', 'Acme', 'VP of IT', '2024-01-01', '2024-05-20',
         '2024-03-01', '2024-03-10'),
        ('L2', 'A1', 'ann@acme.com', 'Acme', 'Engineer', '2024-05-01', '2024-05-02', null, null),
        ('L3', 'A1', 'bo@acme.com', 'Acme', 'Engineer', '2024-05-25', '2024-06-01', null, null)""")
    conn.execute(f"""insert into activities values
        ('X1', 'L1', 'A1', 'pricing_page_view', '2024-02-20', 'before: 10 days old'),
        ('X2', 'L1', 'A1', 'demo_request', '2024-02-28 12:00', 'before: 1.5 days old'),
        ('X3', 'L1', 'A1', 'demo_request', '2024-03-01', 'at the moment: not before it'),
        ('X4', 'L1', 'A1', 'pricing_page_view', '2024-03-05', 'after'),
        ('X5', 'L2', 'A1', 'email_open', '2024-05-30', 'within 30 days of creation'),
        ('X6', 'L2', 'A1', 'email_open', '{AS_OF}', 'after 31 May')""")
    conn.execute("""insert into opportunities (opportunity_id, account_id, lead_id, name, stage,
        channel, created_at, close_date, is_closed, is_won, amount_usd, gross_margin_usd)
        values ('O1', 'A1', 'L1', 'Deal', 'Closed Won',
        'web', '2024-03-12', '2024-05-01', true, true, 30000, 10000)""")
    return conn


def test_history_measures_each_lead_at_its_own_reference_moment():
    history = history_features(history_db())
    assert set(lead_features(history_db()).columns) <= set(history.columns)
    features = history.set_index("lead_id")
    assert features.loc["L1", "reference_at"] == pd.Timestamp("2024-03-01")
    assert features.loc["L2", "reference_at"] == pd.Timestamp("2024-05-31")  # created + 30 days
    assert features.loc["L3", "reference_at"] == pd.Timestamp(AS_OF)  # capped at the data's end
    assert (features["as_of"] == features["reference_at"]).all()


def test_history_counts_only_activities_strictly_before_the_moment():
    features = history_features(history_db()).set_index("lead_id")
    first, second = features.loc["L1"], features.loc["L2"]
    assert first["n_pricing_page_view"] == 1 and first["act_pricing_page_view__d7_14"] == 1
    assert first["n_demo_request"] == 1 and first["act_demo_request__d0_7"] == 1
    assert second["n_email_open"] == 1


def test_history_ages_and_staleness_are_relative_to_the_moment():
    first = history_features(history_db()).set_index("lead_id").loc["L1"]
    assert first["days_since_demo_request"] == pytest.approx(1.5)
    assert first["days_since_last_touch"] == pytest.approx(1.5)
    # the 20 May edit is unknown on 1 March, so the record is as old as its creation: 60 days
    assert first["days_since_update"] == pytest.approx(60)
    assert pd.isna(first["sql_at"])  # reached SQL on 10 March: after the moment


def test_history_keeps_outcomes_as_labels_but_not_as_features():
    first = history_features(history_db()).set_index("lead_id").loc["L1"]
    assert bool(first["won"]) and first["won_amount_usd"] == 30000
    assert first["closed_on"] == pd.Timestamp("2024-05-01")
    assert first["deal_amount_usd"] == 30000
    assert pd.isna(first["source_opportunity_amount_usd"])  # created 12 March: after the moment


def test_colleagues_count_when_touched_in_the_window_before_each_leads_own_moment():
    model = replace(default_model(), buying_group_window_days=30.0)
    live = lead_features(history_db(), model=model).set_index("lead_id")["engaged_colleagues"]
    history = history_features(history_db(), model=model).set_index("lead_id")
    history = history["engaged_colleagues"]
    # L2 touched on 30 May and 1 June, L1 last in March: as of the data's 1 June, L2 is L1's
    # engaged colleague; at L1's 1 March moment nobody is; at L3's (1 June) L2's 30 May touch is
    assert live.to_dict() == {"L1": 1, "L2": 0, "L3": 1}
    assert history.to_dict() == {"L1": 0, "L2": 0, "L3": 1}


def test_a_bounce_counts_at_the_routing_moment_only_if_it_happened_before_it():
    conn = history_db()
    conn.execute("""update leads set email_bounced = true, email_bounced_at = case lead_id
        when 'L1' then timestamp '2024-03-05'  -- after L1's 1 March moment
        when 'L2' then timestamp '2024-05-10'  -- before L2's 31 May moment
        end""")  # L3 bounced on a day the CRM did not record
    history = history_features(conn).set_index("lead_id")["email_bounced"]
    live = lead_features(conn).set_index("lead_id")["email_bounced"]
    assert history.to_dict() == {"L1": False, "L2": True, "L3": False}
    assert live.to_dict() == {"L1": True, "L2": True, "L3": True}  # today every one has bounced


def test_data_without_leads_has_no_feature_rows_but_every_column():
    conn = connect(":memory:")
    conn.execute("""insert into opportunities (opportunity_id, stage, close_date, is_closed,
        is_won) values ('O1', 'Closed Won', '2024-06-01', true, true)""")
    features, history = lead_features(conn), history_features(conn)
    assert len(features) == 0 and len(history) == 0
    assert set(lead_features(tiny_db()).columns) == set(features.columns)
