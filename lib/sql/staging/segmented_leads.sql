-- one row per lead: its staged record and its segment (its account's figures, else its own, decide)
-- staging: stg_leads, firmographic_segments
select stg_leads.*, firmographic_segments.segment
from stg_leads
join firmographic_segments
    on firmographic_segments.annual_revenue_usd is not distinct from stg_leads.annual_revenue_usd
   and firmographic_segments.employees is not distinct from stg_leads.employees
