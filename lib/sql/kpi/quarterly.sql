-- one row per segment and quarter: closed deals, cycle, MQLs and pipeline created in that quarter
with
opportunities as (
    select account_id, coalesce(channel, 'unknown') as channel, created_at, close_date,
           coalesce(is_closed, false) as is_closed, coalesce(is_won, false) as is_won,
           coalesce(amount_usd, 0) as amount_usd
    from opportunities
),
leads as (
    select lead_id, coalesce(channel, 'unknown') as channel, mql_at, sql_at
    from leads
    where mql_at is not null
),
account_segment as (select account_id, segment from account_segment),
lead_segment as (select lead_id, segment from lead_segment),
segmented_opportunities as (
    select opportunities.*, coalesce(account_segment.segment, 'unassigned') as segment,
           close_date - cast(created_at as date) as cycle_days
    from opportunities
    left join account_segment on account_segment.account_id = opportunities.account_id
    where ($all_channels or channel in (select unnest($channels)))
),
segmented_leads as (
    select leads.*, coalesce(lead_segment.segment, 'unassigned') as segment
    from leads
    left join lead_segment on lead_segment.lead_id = leads.lead_id
    where ($all_channels or channel in (select unnest($channels)))
      and cast(mql_at as date) between $start and $end
),
closed_by_quarter as (
    select
        segment,
        extract(year from close_date) || '-Q' || extract(quarter from close_date) as quarter,
        count(*) filter (where is_won) as won,
        count(*) filter (where not is_won) as lost,
        coalesce(sum(amount_usd) filter (where is_won), 0) as won_amount_usd,
        percentile_cont(0.5) within group (order by cycle_days)
            filter (where is_won and cycle_days >= 0) as median_won_cycle_days
    from segmented_opportunities
    where is_closed and close_date between $start and $end
    group by segment, quarter
),
created_by_quarter as (
    select
        segment,
        extract(year from created_at) || '-Q' || extract(quarter from created_at) as quarter,
        count(*) as pipeline_created_count,
        sum(amount_usd) as pipeline_created_usd
    from segmented_opportunities
    where cast(created_at as date) between $start and $end
    group by segment, quarter
),
mqls_by_quarter as (
    select
        segment,
        extract(year from mql_at) || '-Q' || extract(quarter from mql_at) as quarter,
        count(*) as mqls,
        count(*) filter (where sql_at is not null) as sqls
    from segmented_leads
    group by segment, quarter
),
keys as (
    select segment, quarter from closed_by_quarter
    union
    select segment, quarter from created_by_quarter
    union
    select segment, quarter from mqls_by_quarter
),
final as (
    select
        keys.segment,
        keys.quarter,
        coalesce(closed_by_quarter.won, 0) as won,
        coalesce(closed_by_quarter.lost, 0) as lost,
        coalesce(closed_by_quarter.won_amount_usd, 0) as won_amount_usd,
        closed_by_quarter.median_won_cycle_days,
        coalesce(mqls_by_quarter.mqls, 0) as mqls,
        coalesce(mqls_by_quarter.sqls, 0) as sqls,
        coalesce(created_by_quarter.pipeline_created_count, 0) as pipeline_created_count,
        coalesce(created_by_quarter.pipeline_created_usd, 0) as pipeline_created_usd
    from keys
    left join closed_by_quarter using (segment, quarter)
    left join created_by_quarter using (segment, quarter)
    left join mqls_by_quarter using (segment, quarter)
    where ($all_segments or keys.segment in (select unnest($segments)))
)
select * from final
