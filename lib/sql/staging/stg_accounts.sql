-- one row per account: its name, firmographics, the segment and region the export states, blank text read as unknown
select
    account_id,
    nullif(trim(name), '') as name,
    nullif(trim(industry), '') as industry,
    annual_revenue_usd,
    employees,
    nullif(trim(country), '') as country,
    nullif(trim(segment), '') as stated_segment,
    nullif(trim(region), '') as region
from accounts
