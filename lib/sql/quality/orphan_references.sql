-- one row per reference to a record that does not exist: the referring record, the missing ID
-- staging: stg_leads, stg_accounts, stg_activities, stg_opportunities
with
activity_lead as (
    select 'activity_lead' as kind, activity_id as record_id, lead_id as missing_id,
           lead_id, account_id, cast(null as varchar) as opportunity_id
    from stg_activities
    where trim(lead_id) <> ''
      and not exists (select 1 from stg_leads where stg_leads.lead_id = stg_activities.lead_id)
),
lead_account as (
    select 'lead_account', lead_id, account_id, lead_id, account_id, cast(null as varchar)
    from stg_leads
    where trim(account_id) <> ''
      and not exists (
          select 1 from stg_accounts where stg_accounts.account_id = stg_leads.account_id
      )
),
opportunity_account as (
    select 'opportunity_account', opportunity_id, account_id, lead_id, account_id, opportunity_id
    from stg_opportunities
    where trim(account_id) <> ''
      and not exists (
          select 1 from stg_accounts where stg_accounts.account_id = stg_opportunities.account_id
      )
),
opportunity_lead as (
    select 'opportunity_lead', opportunity_id, lead_id, lead_id, account_id, opportunity_id
    from stg_opportunities
    where trim(lead_id) <> ''
      and not exists (select 1 from stg_leads where stg_leads.lead_id = stg_opportunities.lead_id)
),
final as (
    select * from activity_lead
    union all select * from lead_account
    union all select * from opportunity_account
    union all select * from opportunity_lead
)
select * from final
order by kind, record_id
