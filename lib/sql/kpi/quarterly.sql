-- one row per segment and quarter: closed deals, cycle, MQLs and pipeline created in that quarter
-- staging: filtered_opportunities, period_mqls, sql_dates
with
deals as (
    select
        segment,
        is_closed,
        is_won,
        close_in_period,
        created_in_period,
        extract(year from close_date) || '-Q' || extract(quarter from close_date) as close_quarter,
        extract(year from created_at) || '-Q' || extract(quarter from created_at)
            as created_quarter,
        cycle_days,
        coalesce(amount_usd, 0) as amount_usd
    from filtered_opportunities
),
closed_by_quarter as (
    select
        segment,
        close_quarter as quarter,
        count(case when is_won then 1 end) as won,
        count(case when not is_won then 1 end) as lost,
        coalesce(sum(case when is_won then amount_usd end), 0) as won_amount_usd,
        percentile_cont(0.5) within group (
            order by case when is_won and cycle_days >= 0 then cycle_days end
        ) as median_won_cycle_days
    from deals
    where is_closed and close_in_period
    group by segment, close_quarter
),
created_by_quarter as (
    select
        segment,
        created_quarter as quarter,
        count(*) as pipeline_created_count,
        sum(amount_usd) as pipeline_created_usd
    from deals
    where created_in_period
    group by segment, created_quarter
),
mqls_by_quarter as (
    select
        segment,
        extract(year from mql_at) || '-Q' || extract(quarter from mql_at) as quarter,
        count(*) as mqls,
        count(sql_at) as sqls
    from period_mqls
    -- MQLs too young to have converted wait for a later run, as on the MQL->SQL page
    where old_enough
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
        coalesce(created_by_quarter.pipeline_created_usd, 0) as pipeline_created_usd,
        (select sql_dates_recorded from sql_dates) as sql_dates_recorded
    from keys
    left join closed_by_quarter using (segment, quarter)
    left join created_by_quarter using (segment, quarter)
    left join mqls_by_quarter using (segment, quarter)
)
select * from final
