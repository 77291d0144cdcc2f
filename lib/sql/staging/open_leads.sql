-- one row per open lead: neither qualified to SQL nor disqualified, and no deal of theirs won
-- staging: stg_leads, lead_outcomes
select stg_leads.*
from stg_leads
left join lead_outcomes on lead_outcomes.lead_id = stg_leads.lead_id
where stg_leads.sql_at is null
  and stg_leads.disqualified_at is null
  and not coalesce(lead_outcomes.won, false)
