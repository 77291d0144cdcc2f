-- one row per checked field: how many records leave it blank, out of how many records
-- staging: stg_accounts, stg_leads
with
final as (
    select 1 as position, 'accounts' as table_name, 'industry' as column_name,
           count(case when industry is null then 1 end) as blank, count(*) as total
    from stg_accounts
    union all
    select 2, 'accounts', 'annual_revenue_usd',
           count(case when annual_revenue_usd is null then 1 end), count(*)
    from stg_accounts
    union all
    select 3, 'accounts', 'employees', count(case when employees is null then 1 end), count(*)
    from stg_accounts
    union all
    select 4, 'accounts', 'country', count(case when country is null then 1 end), count(*)
    from stg_accounts
    union all
    select 5, 'leads', 'email', count(case when email is null then 1 end), count(*)
    from stg_leads
    union all
    select 6, 'leads', 'title', count(case when title is null then 1 end), count(*)
    from stg_leads
    union all
    select 7, 'leads', 'channel', count(case when channel = $blank then 1 end), count(*)
    from stg_leads
    union all
    -- a lead's industry and size are its account's when it has one, as segments read them
    select 8, 'leads', 'industry', count(case when industry is null then 1 end), count(*)
    from stg_leads
    union all
    select 9, 'leads', 'company_size',
           count(case when annual_revenue_usd is null and employees is null then 1 end), count(*)
    from stg_leads
)
select table_name, column_name, blank, total from final
order by position
