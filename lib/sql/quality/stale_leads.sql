-- one row per open lead with neither an update nor an activity since $cutoff: records to refresh
with
leads as (
    select lead_id, account_id, email, company_name, sql_at, disqualified_at,
           coalesce(updated_at, created_at) as last_updated_at
    from leads
),
activities as (select lead_id, occurred_at from activities),
opportunities as (select lead_id, is_won from opportunities),
won_leads as (select distinct lead_id from opportunities where is_won),
last_touch as (
    select lead_id, max(occurred_at) as last_touch_at from activities group by lead_id
),
open_leads as (
    select leads.*
    from leads
    left join won_leads on won_leads.lead_id = leads.lead_id
    where leads.sql_at is null and leads.disqualified_at is null and won_leads.lead_id is null
),
final as (
    select
        open_leads.lead_id,
        open_leads.account_id,
        open_leads.email,
        open_leads.company_name,
        open_leads.last_updated_at,
        last_touch.last_touch_at
    from open_leads
    left join last_touch on last_touch.lead_id = open_leads.lead_id
    -- an unknown date cannot prove the record fresh, so it counts as stale
    where coalesce(open_leads.last_updated_at < $cutoff, true)
      and coalesce(last_touch.last_touch_at < $cutoff, true)
)
select * from final
order by last_updated_at nulls first, lead_id
