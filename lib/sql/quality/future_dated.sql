-- one row per date a record carries that is after the export was taken: the record, the field, the date
-- staging: data_as_of, stg_leads, stg_activities, stg_opportunities
with
lead_dates as (
    select lead_id, account_id, 'created_at' as field, created_at as dated from stg_leads
    union all select lead_id, account_id, 'updated_at', updated_at from stg_leads
    union all select lead_id, account_id, 'mql_at', mql_at from stg_leads
    union all select lead_id, account_id, 'sal_at', sal_at from stg_leads
    union all select lead_id, account_id, 'sql_at', sql_at from stg_leads
    union all select lead_id, account_id, 'first_meeting_at', first_meeting_at from stg_leads
    union all select lead_id, account_id, 'disqualified_at', disqualified_at from stg_leads
    union all select lead_id, account_id, 'email_bounced_at', email_bounced_at from stg_leads
),
dated as (
    select 'lead' as record_type, lead_id as record_id, field, dated, lead_id, account_id,
           cast(null as varchar) as opportunity_id
    from lead_dates
    union all
    select 'activity', activity_id, 'occurred_at', occurred_at, lead_id, account_id, null
    from stg_activities
    union all
    select 'opportunity', opportunity_id, 'created_at', created_at, lead_id, account_id,
           opportunity_id
    from stg_opportunities
    union all
    -- an open deal's close date is when it is expected to close: only a closed one is wrong
    select 'opportunity', opportunity_id, 'close_date', cast(close_date as timestamp), lead_id,
           account_id, opportunity_id
    from stg_opportunities
    where is_closed
),
final as (
    select dated.*
    from dated
    cross join data_as_of
    -- a date-only close on the export's own day is not in the future
    where (dated.field = 'close_date' and cast(dated.dated as date) > cast(data_as_of.as_of as date))
       or (dated.field <> 'close_date' and dated.dated > data_as_of.as_of)
)
select * from final
order by record_type, record_id, field
