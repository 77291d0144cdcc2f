-- one row per open lead with neither an update nor an activity since $cutoff: records to refresh
-- staging: open_leads, stg_activities
with
last_touch as (
    select lead_id, max(occurred_at) as last_touch_at from stg_activities group by lead_id
),
candidates as (
    select lead_id, account_id, email, company_name,
           coalesce(updated_at, created_at) as last_updated_at
    from open_leads
),
final as (
    select
        candidates.lead_id,
        candidates.account_id,
        candidates.email,
        candidates.company_name,
        candidates.last_updated_at,
        last_touch.last_touch_at
    from candidates
    left join last_touch on last_touch.lead_id = candidates.lead_id
    -- an unknown date cannot prove the record fresh, so it counts as stale
    where coalesce(candidates.last_updated_at < $cutoff, true)
      and coalesce(last_touch.last_touch_at < $cutoff, true)
)
select * from final
order by last_updated_at nulls first, lead_id
