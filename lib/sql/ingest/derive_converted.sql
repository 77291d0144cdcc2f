-- one row per staged lead: converted from its conversion date, where the export dates conversions but has no flag
update _stage_leads set converted = converted_at is not null
where converted is null and exists (select 1 from _stage_leads where converted_at is not null)
