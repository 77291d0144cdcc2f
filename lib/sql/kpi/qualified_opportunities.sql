-- one row per segment: opportunities created in the period and those whose lead reached SQL first
with
opportunities as (
    select account_id, lead_id, coalesce(channel, 'unknown') as channel, created_at
    from opportunities
),
leads as (select lead_id, sql_at from leads),
account_segment as (select account_id, segment from account_segment),
segmented as (
    select opportunities.*, coalesce(account_segment.segment, 'unassigned') as segment,
           coalesce(leads.sql_at <= opportunities.created_at, false) as qualified_first
    from opportunities
    left join account_segment on account_segment.account_id = opportunities.account_id
    left join leads on leads.lead_id = opportunities.lead_id
),
filtered as (
    select * from segmented
    where cast(created_at as date) between $start and $end
      and ($all_segments or segment in (select unnest($segments)))
      and ($all_channels or channel in (select unnest($channels)))
),
final as (
    select
        segment,
        count(*) as created,
        count(*) filter (where qualified_first) as qualified
    from filtered
    group by segment
)
select * from final
