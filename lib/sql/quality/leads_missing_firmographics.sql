-- one row per lead whose industry or company size is unknown (its account's, else its own)
-- staging: stg_leads
with
checked as (
    select
        lead_id,
        account_id,
        email,
        company_name,
        industry is null as industry_missing,
        annual_revenue_usd is null and employees is null as company_size_missing
    from stg_leads
),
final as (select * from checked where industry_missing or company_size_missing)
select * from final
order by lead_id
