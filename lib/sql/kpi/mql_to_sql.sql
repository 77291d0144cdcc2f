-- one row per lead segment, channel and breakdown value: leads that became MQL in the period, how many reached SQL, how many later won a deal
-- staging: filtered_leads, sql_dates, stg_opportunities
with
wins as (
    select lead_id, max(close_date) as last_won_on
    from stg_opportunities
    where is_won and lead_id is not null
    group by lead_id
),
final as (
    select
        filtered_leads.segment,
        filtered_leads.channel,
        filtered_leads.breakdown,
        count(*) as mqls,
        count(filtered_leads.sql_at) as sqls,
        -- won after becoming MQL: a deal won before the lead qualified is not the MQL's doing
        count(case when wins.last_won_on >= cast(filtered_leads.mql_at as date) then 1 end)
            as won,
        (select sql_dates_recorded from sql_dates) as sql_dates_recorded
    from filtered_leads
    left join wins on wins.lead_id = filtered_leads.lead_id
    where filtered_leads.mql_in_period
    group by filtered_leads.segment, filtered_leads.channel, filtered_leads.breakdown
)
select * from final
