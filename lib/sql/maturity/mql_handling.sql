-- one row per lead that reached MQL: when, when sales first accepted or rejected it, first meeting
with
leads as (select lead_id, mql_at, sal_at, sql_at, disqualified_at, first_meeting_at from leads),
final as (
    select
        lead_id,
        mql_at,
        -- least() skips nulls: the first of accept, qualify or reject is the handling
        least(sal_at, sql_at, disqualified_at) as handled_at,
        first_meeting_at
    from leads
    where mql_at is not null
)
select * from final
order by lead_id
