-- one row per staged activity: the person's account where the export left it blank, and an ID
update _stage_activities set
    account_id = coalesce(_stage_activities.account_id, (
        select leads.account_id from _stage_leads as leads
        where leads.lead_id = _stage_activities.lead_id)),
    activity_id = coalesce(activity_id, _file || ':' || cast(_row as varchar))
where account_id is null or activity_id is null
