-- one row per account whose industry or company size (revenue or employees) is unknown
-- staging: stg_accounts
with
checked as (
    select
        account_id,
        name as account_name,
        industry is null as industry_missing,
        annual_revenue_usd is null and employees is null as company_size_missing
    from stg_accounts
),
final as (select * from checked where industry_missing or company_size_missing)
select * from final
order by account_id
