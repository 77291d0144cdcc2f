-- one row per account: its staged record and its segment (the export's stated one, else the rules')
-- staging: stg_accounts, firmographic_segments, segment_rules
select
    stg_accounts.*,
    case when stg_accounts.stated_segment is null then firmographic_segments.segment
         -- a stated segment the model does not have is unassigned, not guessed
         when stg_accounts.stated_segment in (select segment from segment_rules)
             then stg_accounts.stated_segment
         else $unassigned_segment end as segment
from stg_accounts
join firmographic_segments
    on firmographic_segments.annual_revenue_usd is not distinct from stg_accounts.annual_revenue_usd
   and firmographic_segments.employees is not distinct from stg_accounts.employees
