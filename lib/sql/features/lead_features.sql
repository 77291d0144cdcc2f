-- one row per lead at its reference moment: firmographics, recency, funnel dates, buying-group helpers, and outcomes as labels
-- staging: stg_leads, stg_activities, stg_opportunities, lead_outcomes, reference_moments, known_activities
with
measured_leads as (
    select
        stg_leads.*,
        reference_moments.reference_at,
        -- the record's last edit as known then: at a routing moment a later edit is unknown,
        -- so creation stands in
        case when $at_routing_moments
                  and not coalesce(stg_leads.updated_at < reference_moments.reference_at, false)
             then stg_leads.created_at else stg_leads.updated_at end as known_updated_at
    from stg_leads
    join reference_moments on reference_moments.lead_id = stg_leads.lead_id
),
touches as (
    select
        lead_id,
        max(occurred_at) as last_touch_at,
        min(case when activity_type = 'demo_request' then age_days end) as days_since_demo_request,
        min(case when activity_type = 'competitor_research' then age_days end)
            as days_since_competitor_research,
        count(case when age_days <= $buying_group_days then 1 end) > 0 as touched_recently
    from known_activities
    group by lead_id
),
account_moments as (
    -- as of the data every lead shares one moment, so an account is measured once
    select distinct account_id, reference_at from measured_leads where account_id is not null
),
account_activities as (
    -- each activity with the account of the person who did it
    select measured_leads.account_id, stg_activities.lead_id, stg_activities.occurred_at
    from stg_activities
    join measured_leads on measured_leads.lead_id = stg_activities.lead_id
    where measured_leads.account_id is not null
),
engaged_people as (
    -- people on the account (the lead included) touched within the window before the moment
    select
        account_moments.account_id,
        account_moments.reference_at,
        count(distinct account_activities.lead_id) as account_engaged_people
    from account_moments
    join account_activities on account_activities.account_id = account_moments.account_id
    where datediff('second', account_activities.occurred_at, account_moments.reference_at)
          / 86400.0 <= $buying_group_days
      and (not $at_routing_moments
           or account_activities.occurred_at < account_moments.reference_at)
    group by account_moments.account_id, account_moments.reference_at
),
named_companies as (
    -- blank_company can only tell leads apart when the export names companies at all: in an
    -- export without a company column every lead is blank, and none is a no-go for it
    select count(coalesce(company_name, account_name)) > 0 as held from stg_leads
),
source_opportunity as (
    select lead_id, created_at, amount_usd, close_date, is_closed,
           row_number() over (partition by lead_id order by created_at desc, opportunity_id) as rn
    from stg_opportunities
    where lead_id is not null
),
final as (
    select
        measured_leads.lead_id,
        measured_leads.account_id,
        measured_leads.email,
        lower(trim(substring(measured_leads.email from position('@' in measured_leads.email) + 1))) as email_domain,
        measured_leads.company_name,
        coalesce(measured_leads.company_name, measured_leads.account_name) is null
            and named_companies.held as company_blank,
        measured_leads.channel,
        measured_leads.title,
        measured_leads.industry,
        measured_leads.annual_revenue_usd,
        measured_leads.employees,
        measured_leads.stated_segment,
        measured_leads.created_at,
        measured_leads.known_updated_at as updated_at,
        -- MQL, accept and reject are the routing verdict itself: as recorded in either mode
        measured_leads.mql_at,
        measured_leads.sal_at,
        case when not $at_routing_moments or measured_leads.sql_at < measured_leads.reference_at
             then measured_leads.sql_at end as sql_at,
        case when not $at_routing_moments or measured_leads.first_meeting_at < measured_leads.reference_at
             then measured_leads.first_meeting_at end as first_meeting_at,
        measured_leads.disqualified_at,
        -- a bounce counts at a routing moment only if it happened before; one with no date
        -- cannot be placed in time, so at routing moments it does not count
        case when not $at_routing_moments then measured_leads.email_bounced
             else coalesce(measured_leads.email_bounced_at < measured_leads.reference_at, false)
        end as email_bounced,
        touches.last_touch_at,
        datediff('second', touches.last_touch_at, measured_leads.reference_at) / 86400.0
            as days_since_last_touch,
        datediff('second', coalesce(measured_leads.known_updated_at, measured_leads.created_at), measured_leads.reference_at)
            / 86400.0 as days_since_update,
        touches.days_since_demo_request,
        touches.days_since_competitor_research,
        measured_leads.disqualified_at is not null
            and (touches.last_touch_at is null
                 or touches.last_touch_at <= measured_leads.disqualified_at) as disqualified_untouched,
        coalesce(touches.touched_recently, false) as touched_recently,
        coalesce(engaged_people.account_engaged_people, 0) as account_engaged_people,
        -- a deal's amount is known at a routing moment only if the deal existed by then
        case when not $at_routing_moments or source_opportunity.created_at < measured_leads.reference_at
             then source_opportunity.amount_usd end as source_opportunity_amount_usd,
        source_opportunity.amount_usd as opportunity_amount_usd,
        case when source_opportunity.is_closed then source_opportunity.close_date end
            as closed_on,
        coalesce(lead_outcomes.won, false) as won,
        coalesce(lead_outcomes.lost_any and not lead_outcomes.won, false) as lost,
        coalesce(lead_outcomes.won_amount_usd, 0) as won_amount_usd,
        -- the lead's own outcome where the export records one (leads-only funnels)
        measured_leads.converted,
        measured_leads.converted_at,
        measured_leads.reference_at
    from measured_leads
    cross join named_companies
    left join touches on touches.lead_id = measured_leads.lead_id
    left join engaged_people
        on engaged_people.account_id = measured_leads.account_id
       and engaged_people.reference_at = measured_leads.reference_at
    left join source_opportunity
        on source_opportunity.lead_id = measured_leads.lead_id and source_opportunity.rn = 1
    left join lead_outcomes on lead_outcomes.lead_id = measured_leads.lead_id
)
select * from final order by lead_id
