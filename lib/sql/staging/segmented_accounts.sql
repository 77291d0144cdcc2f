-- one row per account: its staged record and its segment
-- staging: stg_accounts, firmographic_segments
select stg_accounts.*, firmographic_segments.segment
from stg_accounts
join firmographic_segments
    on firmographic_segments.annual_revenue_usd is not distinct from stg_accounts.annual_revenue_usd
   and firmographic_segments.employees is not distinct from stg_accounts.employees
