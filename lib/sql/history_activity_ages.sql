-- one row per lead, activity type and whole day of age before the lead's own reference_at: how many events
with
reference_moments as (select lead_id, reference_at from reference_moments),
activities as (
    select
        activities.lead_id,
        activities.activity_type,
        floor(extract(epoch from (reference_moments.reference_at - activities.occurred_at))
              / 86400.0) as age_days
    from activities
    join reference_moments on reference_moments.lead_id = activities.lead_id
    where activities.occurred_at < reference_moments.reference_at
),
final as (
    select lead_id, activity_type, age_days, count(*) as events
    from activities
    group by lead_id, activity_type, age_days
)
select * from final
