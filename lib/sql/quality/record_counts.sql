-- one row: how many records each data-quality check looks at
-- staging: stg_leads, stg_accounts, stg_activities, stg_opportunities, open_leads
with
final as (
    select
        (select count(*) from stg_leads) as leads,
        (select count(*) from stg_accounts) as accounts,
        (select count(*) from open_leads) as open_leads,
        (select count(*) from stg_leads where email is not null) as leads_with_email,
        (select count(*) from stg_activities where trim(lead_id) <> '') as activities_with_lead,
        (select count(*) from stg_leads where trim(account_id) <> '') as leads_with_account,
        (select count(*) from stg_opportunities where trim(account_id) <> '')
            as opportunities_with_account,
        (select count(*) from stg_opportunities where trim(lead_id) <> '')
            as opportunities_with_lead,
        (select count(*) from stg_activities) as activities,
        (select count(*) from stg_opportunities where is_closed) as closed_opportunities
)
select * from final
