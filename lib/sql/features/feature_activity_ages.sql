-- one row per lead (by its position in lead_id order), activity kind and whole day of age (as of $as_of): how many events
with
leads as (select lead_id, row_number() over (order by lead_id) - 1 as lead_pos from leads),
kinds as (select activity_type, kind from activity_kinds),
activities as (
    select
        leads.lead_pos,
        kinds.kind,
        greatest(0, floor(extract(epoch from (cast($as_of as timestamp) - activities.occurred_at))
                          / 86400.0)) as age_days
    from activities
    join leads on leads.lead_id = activities.lead_id
    join kinds on kinds.activity_type = activities.activity_type
    where activities.occurred_at is not null
),
final as (
    select lead_pos, kind, age_days, count(*) as events
    from activities
    group by lead_pos, kind, age_days
)
select * from final
