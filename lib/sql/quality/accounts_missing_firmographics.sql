-- one row per account whose industry or company size (revenue or employees) is unknown
with
accounts as (select account_id, name, industry, annual_revenue_usd, employees from accounts),
final as (
    select
        account_id,
        name as account_name,
        nullif(trim(industry), '') is null as industry_missing,
        annual_revenue_usd is null and employees is null as company_size_missing
    from accounts
    where nullif(trim(industry), '') is null
       or (annual_revenue_usd is null and employees is null)
)
select * from final
order by account_id
