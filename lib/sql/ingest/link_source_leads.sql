-- one row per staged opportunity without a source lead: take the lead that converted into it
update _stage_opportunities set lead_id = leads.lead_id
from (select lead_id, _converted_opportunity_id from _stage_leads
      where _converted_opportunity_id is not null) as leads
where _stage_opportunities.lead_id is null
  and leads._converted_opportunity_id = _stage_opportunities.opportunity_id
