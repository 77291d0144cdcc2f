-- one row per lead: the firmographics that decide its segment (its account's, else its own)
with
leads as (select lead_id, account_id, annual_revenue_usd, employees from leads),
accounts as (select account_id, annual_revenue_usd, employees from accounts),
final as (
    select
        leads.lead_id,
        leads.account_id,
        case when accounts.account_id is not null then accounts.annual_revenue_usd
             else leads.annual_revenue_usd end as annual_revenue_usd,
        case when accounts.account_id is not null then accounts.employees
             else leads.employees end as employees
    from leads
    left join accounts on accounts.account_id = leads.account_id
)
select * from final
