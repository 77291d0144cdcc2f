-- one row: how many records carry the fields each KPI is measured from, in all the data
-- staging: stg_leads, segmented_opportunities, stg_activities
with
sourced as (
    select
        segmented_opportunities.*,
        stg_leads.lead_id is not null as from_known_lead
    from segmented_opportunities
    left join stg_leads on stg_leads.lead_id = segmented_opportunities.lead_id
),
lead_counts as (
    select
        count(*) as leads,
        count(mql_at) as leads_with_mql,
        count(case when mql_at is not null then accepted_or_rejected_at end) as mqls_answered,
        count(case when mql_at is not null then first_meeting_at end) as mqls_met
    from stg_leads
),
deal_counts as (
    select
        count(*) as opportunities,
        count(case when is_closed then 1 end) as closed_deals,
        -- a cycle needs a created date no later than the close date, or stated days (a bulk
        -- load stamps created dates after deals closed long before)
        count(case when is_won and cycle_days >= 0 then 1 end) as won_with_cycle,
        count(case when not is_closed then 1 end) as open_deals,
        count(case when not is_closed and segment <> $unassigned_segment then 1 end)
            as open_segmented,
        count(case when is_closed and segment <> $unassigned_segment then 1 end)
            as closed_segmented,
        count(case when is_won and gross_margin_usd is not null then 1 end) as won_with_margin,
        -- velocity weighs an open deal by how deals of its age went on to win, at their amount
        count(
            case
                when is_won and amount_usd is not null
                     and cast(created_at as date) <= close_date then 1
            end
        ) as won_priced_dated,
        count(case when from_known_lead then 1 end) as deals_from_leads,
        count(case when is_closed and from_known_lead then 1 end) as closed_from_leads
    from sourced
),
final as (
    select
        lead_counts.*,
        deal_counts.*,
        (select count(*) from stg_activities) as activities
    from lead_counts
    cross join deal_counts
)
select * from final
