-- one row: how many staged leads the export names a company for, on the lead or its account
with
leads as (
    select lead_id, account_id, company_name from _stage_leads
),
accounts as (
    select account_id, name from _stage_accounts
),
final as (
    select count(*) as named
    from leads
    left join accounts on accounts.account_id = leads.account_id
    where coalesce(leads.company_name, accounts.name) is not null
)
select named from final
