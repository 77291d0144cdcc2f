-- one row per segment: opportunities created in the period and those whose lead reached SQL first
-- staging: filtered_opportunities, stg_leads
with
final as (
    select
        filtered_opportunities.segment,
        count(*) as created,
        count(case when stg_leads.sql_at <= filtered_opportunities.created_at then 1 end)
            as qualified
    from filtered_opportunities
    left join stg_leads on stg_leads.lead_id = filtered_opportunities.lead_id
    where filtered_opportunities.created_in_period
    group by filtered_opportunities.segment
)
select * from final
