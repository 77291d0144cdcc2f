-- one row per lead segment, channel and breakdown value: MQLs of the period old enough to have converted, how many reached SQL, how many later won a deal, and the younger ones left out
-- staging: period_mqls, sql_dates, stg_opportunities
with
wins as (
    select lead_id, max(close_date) as last_won_on
    from stg_opportunities
    where is_won and lead_id is not null
    group by lead_id
),
final as (
    select
        period_mqls.segment,
        period_mqls.channel,
        period_mqls.breakdown,
        count(case when period_mqls.old_enough then 1 end) as mqls,
        count(case when period_mqls.old_enough then period_mqls.sql_at end) as sqls,
        -- won after becoming MQL: a deal won before the lead qualified is not the MQL's doing
        count(
            case when period_mqls.old_enough
                      and wins.last_won_on >= cast(period_mqls.mql_at as date) then 1 end
        ) as won,
        count(case when not period_mqls.old_enough then 1 end) as young_mqls,
        max(period_mqls.conversion_lag_days) as conversion_lag_days,
        (select sql_dates_recorded from sql_dates) as sql_dates_recorded
    from period_mqls
    left join wins on wins.lead_id = period_mqls.lead_id
    group by period_mqls.segment, period_mqls.channel, period_mqls.breakdown
)
select * from final
