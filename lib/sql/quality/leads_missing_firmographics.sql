-- one row per lead whose industry or company size is unknown (its account's, else its own)
with
leads as (
    select lead_id, account_id, email, company_name, industry, annual_revenue_usd, employees
    from leads
),
accounts as (select account_id, industry, annual_revenue_usd, employees from accounts),
lead_firmographics as (
    select
        leads.lead_id,
        leads.account_id,
        leads.email,
        leads.company_name,
        coalesce(nullif(trim(accounts.industry), ''),
                 nullif(trim(leads.industry), '')) as industry,
        case when accounts.account_id is not null
             then coalesce(accounts.annual_revenue_usd, accounts.employees)
             else coalesce(leads.annual_revenue_usd, leads.employees) end as company_size
    from leads
    left join accounts on accounts.account_id = leads.account_id
),
final as (
    select
        lead_id,
        account_id,
        email,
        company_name,
        industry is null as industry_missing,
        company_size is null as company_size_missing
    from lead_firmographics
    where industry is null or company_size is null
)
select * from final
order by lead_id
