-- one row per lead (by its position in lead_id order), activity kind and whole day of age at the lead's reference moment: how many events
-- staging: known_activities
with
kinds as (
    select entry.activity_type, entry.kind
    from (select unnest($activity_kinds) as entry) as entries
),
ages as (
    select
        known_activities.lead_pos,
        kinds.kind,
        -- an activity after an as-of set before the data's end is as fresh as can be
        case when known_activities.age_days < 0 then 0
             else floor(known_activities.age_days) end as age_days
    from known_activities
    join kinds on kinds.activity_type = known_activities.activity_type
),
final as (
    select lead_pos, kind, age_days, count(*) as events
    from ages
    group by lead_pos, kind, age_days
)
select * from final
