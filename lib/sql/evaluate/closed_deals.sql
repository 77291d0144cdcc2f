-- one row per lead with a closed source opportunity: the date its last closed deal closed
-- staging: stg_opportunities
with
final as (
    select lead_id, max(close_date) as close_date
    from stg_opportunities
    where lead_id is not null and is_closed
    group by lead_id
)
select * from final order by lead_id
