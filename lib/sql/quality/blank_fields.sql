-- one row per checked field: how many records leave it blank, out of how many records
with
accounts as (
    select account_id, industry, annual_revenue_usd, employees, country from accounts
),
leads as (
    select lead_id, account_id, email, title, channel, industry, annual_revenue_usd, employees
    from leads
),
-- a lead's industry and size are its account's when it has one, as segments read them
lead_firmographics as (
    select
        coalesce(nullif(trim(accounts.industry), ''),
                 nullif(trim(leads.industry), '')) as industry,
        case when accounts.account_id is not null
             then coalesce(accounts.annual_revenue_usd,
                           accounts.employees)
             else coalesce(leads.annual_revenue_usd, leads.employees) end as company_size
    from leads
    left join accounts on accounts.account_id = leads.account_id
),
final as (
    select 1 as position, 'accounts' as table_name, 'industry' as column_name,
           count(case when nullif(trim(industry), '') is null then 1 end) as blank,
           count(*) as total
    from accounts
    union all
    select 2, 'accounts', 'annual_revenue_usd',
           count(case when annual_revenue_usd is null then 1 end), count(*)
    from accounts
    union all
    select 3, 'accounts', 'employees', count(case when employees is null then 1 end), count(*)
    from accounts
    union all
    select 4, 'accounts', 'country',
           count(case when nullif(trim(country), '') is null then 1 end), count(*)
    from accounts
    union all
    select 5, 'leads', 'email',
           count(case when nullif(trim(email), '') is null then 1 end), count(*)
    from leads
    union all
    select 6, 'leads', 'title',
           count(case when nullif(trim(title), '') is null then 1 end), count(*)
    from leads
    union all
    select 7, 'leads', 'channel',
           count(case when nullif(trim(channel), '') is null then 1 end), count(*)
    from leads
    union all
    select 8, 'leads', 'industry', count(case when industry is null then 1 end), count(*)
    from lead_firmographics
    union all
    select 9, 'leads', 'company_size', count(case when company_size is null then 1 end), count(*)
    from lead_firmographics
)
select table_name, column_name, blank, total from final
order by position
