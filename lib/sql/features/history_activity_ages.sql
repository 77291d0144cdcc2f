-- one row per lead (by its position in lead_id order), activity kind and whole day of age before the lead's own reference_at: how many events
with
reference_moments as (
    select lead_id, reference_at, row_number() over (order by lead_id) - 1 as lead_pos
    from reference_moments
),
kinds as (select activity_type, kind from activity_kinds),
activities as (
    select
        reference_moments.lead_pos,
        kinds.kind,
        floor(extract(epoch from (reference_moments.reference_at - activities.occurred_at))
              / 86400.0) as age_days
    from activities
    join reference_moments on reference_moments.lead_id = activities.lead_id
    join kinds on kinds.activity_type = activities.activity_type
    where activities.occurred_at < reference_moments.reference_at
),
final as (
    select lead_pos, kind, age_days, count(*) as events
    from activities
    group by lead_pos, kind, age_days
)
select * from final
