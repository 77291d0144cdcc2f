-- one row: how many records each data-quality check looks at
with
leads as (select lead_id, account_id, email, sql_at, disqualified_at from leads),
accounts as (select account_id from accounts),
activities as (select lead_id from activities),
opportunities as (select lead_id, account_id, is_won from opportunities),
won_leads as (select distinct lead_id from opportunities where is_won),
open_leads as (
    select leads.lead_id
    from leads
    left join won_leads on won_leads.lead_id = leads.lead_id
    where leads.sql_at is null and leads.disqualified_at is null and won_leads.lead_id is null
),
final as (
    select
        (select count(*) from leads) as leads,
        (select count(*) from accounts) as accounts,
        (select count(*) from open_leads) as open_leads,
        (select count(*) from leads where trim(email) <> '') as leads_with_email,
        (select count(*) from activities where trim(lead_id) <> '') as activities_with_lead,
        (select count(*) from leads where trim(account_id) <> '') as leads_with_account,
        (select count(*) from opportunities where trim(account_id) <> '')
            as opportunities_with_account,
        (select count(*) from opportunities where trim(lead_id) <> '') as opportunities_with_lead
)
select * from final
