-- one row per kind of reference that points at a record the export does not contain
with
activities_without_lead as (
    select 'activities' as tbl, 'lead_id' as col, 'leads' as target, count(*) as orphans,
           (select count(*) from _stage_activities) as total, min(_file) as file, min(_row) as first_row
    from _stage_activities
    where lead_id is not null and lead_id not in (select lead_id from _stage_leads)
),
opportunities_without_account as (
    select 'opportunities', 'account_id', 'accounts', count(*),
           (select count(*) from _stage_opportunities), min(_file), min(_row)
    from _stage_opportunities
    where account_id is not null and account_id not in (select account_id from _stage_accounts)
),
leads_without_account as (
    select 'leads', 'account_id', 'accounts', count(*),
           (select count(*) from _stage_leads), min(_file), min(_row)
    from _stage_leads
    where account_id is not null and account_id not in (select account_id from _stage_accounts)
),
opportunities_without_lead as (
    select 'opportunities', 'lead_id', 'leads', count(*),
           (select count(*) from _stage_opportunities), min(_file), min(_row)
    from _stage_opportunities
    where lead_id is not null and lead_id not in (select lead_id from _stage_leads)
),
final as (
    select * from activities_without_lead
    union all select * from opportunities_without_account
    union all select * from leads_without_account
    union all select * from opportunities_without_lead
)
select * from final where orphans > 0
