-- one row per lead as it stood at its own reference_at: firmographics, recency, funnel dates, buying-group helpers, and later outcomes as labels
with
reference_moments as (select lead_id, reference_at from reference_moments),
leads as (
    select leads.*, reference_moments.reference_at
    from leads
    join reference_moments on reference_moments.lead_id = leads.lead_id
),
accounts as (select account_id, name, industry, annual_revenue_usd, employees from accounts),
activities as (
    -- only what happened strictly before the lead's reference moment
    select
        activities.lead_id,
        activities.activity_type,
        activities.occurred_at,
        extract(epoch from (leads.reference_at - activities.occurred_at)) / 86400.0 as age_days
    from activities
    join leads on leads.lead_id = activities.lead_id
    where activities.occurred_at < leads.reference_at
),
opportunities as (select * from opportunities where lead_id is not null),
touches as (
    select
        lead_id,
        max(occurred_at) as last_touch_at,
        min(age_days) filter (where activity_type = 'demo_request') as days_since_demo_request,
        min(age_days) filter (where activity_type = 'competitor_research')
            as days_since_competitor_research,
        count(*) filter (where age_days <= $buying_group_days) > 0 as touched_recently
    from activities
    group by lead_id
),
account_activity as (
    -- each activity with the account of the person who did it (for colleagues' engagement)
    select leads.account_id, raw.lead_id, raw.occurred_at
    from main.activities as raw
    join leads on leads.lead_id = raw.lead_id
    where leads.account_id is not null
),
engaged_people as (
    -- people on the lead's account (the lead included) touched in the window before its moment
    select leads.lead_id, count(distinct account_activity.lead_id) as account_engaged_people
    from leads
    join account_activity on account_activity.account_id = leads.account_id
    where account_activity.occurred_at < leads.reference_at
      and account_activity.occurred_at
          >= leads.reference_at - cast($buying_group_days as double) * interval '1 day'
    group by leads.lead_id
),
source_opportunity as (
    select lead_id, created_at, amount_usd, close_date, is_closed,
           row_number() over (partition by lead_id order by created_at desc, opportunity_id) as rn
    from opportunities
),
outcomes as (
    select
        lead_id,
        max(case when is_won then 1 else 0 end) = 1 as won,
        max(case when is_closed and not is_won then 1 else 0 end) = 1 as lost_any,
        sum(case when is_won then amount_usd else 0 end) as won_amount_usd
    from opportunities
    group by lead_id
),
lead_rows as (
    select
        leads.*,
        coalesce(accounts.industry, leads.industry) as firm_industry,
        case when accounts.account_id is not null then accounts.annual_revenue_usd
             else leads.annual_revenue_usd end as firm_revenue_usd,
        case when accounts.account_id is not null then accounts.employees
             else leads.employees end as firm_employees,
        coalesce(nullif(trim(leads.company_name), ''), accounts.name) as firm_company_name,
        -- the record's last edit as known then: a later edit is unknown, so creation stands in
        case when leads.updated_at < leads.reference_at then leads.updated_at
             else leads.created_at end as known_updated_at,
        touches.last_touch_at,
        touches.days_since_demo_request,
        touches.days_since_competitor_research,
        coalesce(touches.touched_recently, false) as touched_recently
    from leads
    left join accounts on accounts.account_id = leads.account_id
    left join touches on touches.lead_id = leads.lead_id
),
final as (
    select
        lead_rows.lead_id,
        lead_rows.account_id,
        lead_rows.email,
        lower(trim(substring(lead_rows.email from position('@' in lead_rows.email) + 1)))
            as email_domain,
        lead_rows.company_name,
        lead_rows.firm_company_name is null as company_blank,
        lead_rows.channel,
        lead_rows.title,
        lead_rows.firm_industry as industry,
        lead_rows.firm_revenue_usd as annual_revenue_usd,
        lead_rows.firm_employees as employees,
        lead_rows.created_at,
        lead_rows.known_updated_at as updated_at,
        lead_rows.mql_at,
        lead_rows.sal_at,
        case when lead_rows.sql_at < lead_rows.reference_at then lead_rows.sql_at end as sql_at,
        case when lead_rows.first_meeting_at < lead_rows.reference_at
             then lead_rows.first_meeting_at end as first_meeting_at,
        lead_rows.disqualified_at,
        coalesce(lead_rows.email_bounced, false) as email_bounced,
        lead_rows.last_touch_at,
        extract(epoch from (lead_rows.reference_at - lead_rows.last_touch_at)) / 86400.0
            as days_since_last_touch,
        extract(epoch from (lead_rows.reference_at
                            - coalesce(lead_rows.known_updated_at, lead_rows.reference_at)))
            / 86400.0 as days_since_update,
        lead_rows.days_since_demo_request,
        lead_rows.days_since_competitor_research,
        lead_rows.disqualified_at is not null
            and (lead_rows.last_touch_at is null
                 or lead_rows.last_touch_at <= lead_rows.disqualified_at) as disqualified_untouched,
        lead_rows.touched_recently,
        coalesce(engaged_people.account_engaged_people, 0) as account_engaged_people,
        case when source_opportunity.created_at < lead_rows.reference_at
             then source_opportunity.amount_usd end as source_opportunity_amount_usd,
        source_opportunity.amount_usd as opportunity_amount_usd,
        case when source_opportunity.is_closed then source_opportunity.close_date end
            as closed_on,
        coalesce(outcomes.won, false) as won,
        coalesce(outcomes.lost_any and not outcomes.won, false) as lost,
        coalesce(outcomes.won_amount_usd, 0) as won_amount_usd,
        lead_rows.reference_at
    from lead_rows
    left join engaged_people on engaged_people.lead_id = lead_rows.lead_id
    left join source_opportunity
        on source_opportunity.lead_id = lead_rows.lead_id and source_opportunity.rn = 1
    left join outcomes on outcomes.lead_id = lead_rows.lead_id
)
select * from final order by lead_id
