-- one row per reference to a record that does not exist: the referring record, the missing ID
with
leads as (select lead_id, account_id from leads),
accounts as (select account_id from accounts),
activities as (select activity_id, lead_id, account_id from activities),
opportunities as (select opportunity_id, account_id, lead_id from opportunities),
activity_lead as (
    select 'activity_lead' as kind, activity_id as record_id, lead_id as missing_id,
           lead_id, account_id, cast(null as varchar) as opportunity_id
    from activities
    where trim(lead_id) <> ''
      and not exists (select 1 from leads where leads.lead_id = activities.lead_id)
),
lead_account as (
    select 'lead_account', lead_id, account_id, lead_id, account_id, cast(null as varchar)
    from leads
    where trim(account_id) <> ''
      and not exists (select 1 from accounts where accounts.account_id = leads.account_id)
),
opportunity_account as (
    select 'opportunity_account', opportunity_id, account_id, lead_id, account_id, opportunity_id
    from opportunities
    where trim(account_id) <> ''
      and not exists (select 1 from accounts where accounts.account_id = opportunities.account_id)
),
opportunity_lead as (
    select 'opportunity_lead', opportunity_id, lead_id, lead_id, account_id, opportunity_id
    from opportunities
    where trim(lead_id) <> ''
      and not exists (select 1 from leads where leads.lead_id = opportunities.lead_id)
),
final as (
    select * from activity_lead
    union all select * from lead_account
    union all select * from opportunity_account
    union all select * from opportunity_lead
)
select * from final
order by kind, record_id
