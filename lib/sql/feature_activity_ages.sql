-- one row per lead, activity type and whole day of age (as of $as_of): how many events
with
activities as (
    select lead_id, activity_type,
           greatest(0, floor(extract(epoch from (cast($as_of as timestamp) - occurred_at))
                             / 86400.0)) as age_days
    from activities
    where lead_id is not null and occurred_at is not null
),
final as (
    select lead_id, activity_type, age_days, count(*) as events
    from activities
    group by lead_id, activity_type, age_days
)
select * from final
