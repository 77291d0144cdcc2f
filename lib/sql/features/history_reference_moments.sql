-- one row per lead: its routing decision moment (mql_at, else created_at + $horizon_days, capped at $as_of)
with
leads as (select lead_id, created_at, mql_at from leads),
final as (
    select
        lead_id,
        least(
            coalesce(mql_at, created_at + cast($horizon_days as double) * interval '1 day',
                     cast($as_of as timestamp)),
            cast($as_of as timestamp)
        ) as reference_at
    from leads
)
select * from final order by lead_id
