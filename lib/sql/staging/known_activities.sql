-- one row per activity of a lead, known at the lead's reference moment: lead, type, when, age in days
-- staging: stg_activities, reference_moments
select
    stg_activities.lead_id,
    reference_moments.lead_pos,
    stg_activities.activity_type,
    stg_activities.occurred_at,
    datediff('second', stg_activities.occurred_at, reference_moments.reference_at) / 86400.0
        as age_days
from stg_activities
join reference_moments on reference_moments.lead_id = stg_activities.lead_id
where stg_activities.occurred_at is not null
  -- at routing moments only what happened strictly before counts (the event that routed the
  -- lead would leak its outcome); as of the data, every recorded activity counts
  and (not $at_routing_moments or stg_activities.occurred_at < reference_moments.reference_at)
