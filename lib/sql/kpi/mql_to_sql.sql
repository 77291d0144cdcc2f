-- one row per lead segment and channel: leads that became MQL in the period and how many reached SQL
-- staging: filtered_leads
with
final as (
    select segment, channel, count(*) as mqls, count(sql_at) as sqls
    from filtered_leads
    where mql_in_period
    group by segment, channel
)
select * from final
