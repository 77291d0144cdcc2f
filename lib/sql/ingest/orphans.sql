-- one row per kind of reference that points at a record the export does not contain, with its first offending row
with
activity_lead_orphans as (
    select 'activities' as tbl, 'lead_id' as col, 'leads' as target, _file, _row
    from _stage_activities
    where lead_id is not null and lead_id not in (select lead_id from _stage_leads)
),
opportunity_account_orphans as (
    select 'opportunities', 'account_id', 'accounts', _file, _row
    from _stage_opportunities
    where account_id is not null and account_id not in (select account_id from _stage_accounts)
),
lead_account_orphans as (
    select 'leads', 'account_id', 'accounts', _file, _row
    from _stage_leads
    where account_id is not null and account_id not in (select account_id from _stage_accounts)
),
opportunity_lead_orphans as (
    select 'opportunities', 'lead_id', 'leads', _file, _row
    from _stage_opportunities
    where lead_id is not null and lead_id not in (select lead_id from _stage_leads)
),
orphans as (
    select * from activity_lead_orphans
    union all select * from opportunity_account_orphans
    union all select * from lead_account_orphans
    union all select * from opportunity_lead_orphans
),
totals as (
    select 'activities' as tbl, count(*) as total from _stage_activities
    union all select 'leads', count(*) from _stage_leads
    union all select 'opportunities', count(*) from _stage_opportunities
),
ranked as (
    select tbl, col, target, _file, _row,
           count(*) over (partition by tbl, col) as orphans,
           row_number() over (partition by tbl, col order by _file, _row) as nth
    from orphans
),
final as (
    select ranked.tbl, ranked.col, ranked.target, ranked.orphans, totals.total,
           ranked._file as file, ranked._row as first_row
    from ranked
    join totals on totals.tbl = ranked.tbl
    where ranked.nth = 1
)
select * from final
