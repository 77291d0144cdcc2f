-- one row per lead with a closed source opportunity: the date its last closed deal closed
with
opportunities as (
    select lead_id, close_date
    from opportunities
    where lead_id is not null and is_closed
),
final as (
    select lead_id, max(close_date) as close_date
    from opportunities
    group by lead_id
)
select * from final order by lead_id
