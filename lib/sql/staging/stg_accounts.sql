-- one row per account: its name and firmographics, blank text read as unknown
select
    account_id,
    nullif(trim(name), '') as name,
    nullif(trim(industry), '') as industry,
    annual_revenue_usd,
    employees,
    nullif(trim(country), '') as country
from accounts
