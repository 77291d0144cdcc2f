-- one row per open opportunity: what it is worth and which account and lead it belongs to
-- staging: stg_opportunities
with
final as (
    select opportunity_id, account_id, lead_id, coalesce(amount_usd, 0) as amount_usd
    from stg_opportunities
    where not is_closed
)
select * from final
