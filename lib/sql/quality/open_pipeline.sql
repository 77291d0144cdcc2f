-- one row per open opportunity: what it is worth and which account and lead it belongs to
with
opportunities as (
    select opportunity_id, account_id, lead_id, is_closed, amount_usd from opportunities
),
final as (
    select opportunity_id, account_id, lead_id, coalesce(amount_usd, 0) as amount_usd
    from opportunities
    where not coalesce(is_closed, false)
)
select * from final
