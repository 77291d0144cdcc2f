-- one row per lead segment: MQLs of the period and how many sales accepted or rejected within its SLA
-- staging: filtered_leads
with
slas as (select sla.segment, sla.sla_hours from (select unnest($segment_slas) as sla) as slas),
mqls as (
    select
        filtered_leads.segment,
        slas.sla_hours,
        datediff('second', filtered_leads.mql_at, filtered_leads.accepted_or_rejected_at)
            as seconds_to_answer
    from filtered_leads
    left join slas on slas.segment = filtered_leads.segment
    where filtered_leads.mql_in_period
),
final as (
    select
        segment,
        max(sla_hours) as sla_hours,
        count(*) as mqls,
        -- exactly at the SLA counts as within: the promise is "within N hours"
        count(case when seconds_to_answer <= sla_hours * 3600 then 1 end) as handled_within_sla
    from mqls
    group by segment
)
select * from final
