-- one row per lead: its staged record and its segment (stated by the export, else its account's figures, else its own)
-- staging: stg_leads, firmographic_segments, segment_rules
select
    stg_leads.*,
    case when stg_leads.stated_segment is null then firmographic_segments.segment
         when stg_leads.stated_segment in (select segment from segment_rules)
             then stg_leads.stated_segment
         else $unassigned_segment end as segment
from stg_leads
join firmographic_segments
    on firmographic_segments.annual_revenue_usd is not distinct from stg_leads.annual_revenue_usd
   and firmographic_segments.employees is not distinct from stg_leads.employees
