-- one row per opportunity: its record, channel (blank its own value), closed and won false unless recorded, cycle and dimensions
-- staging: stg_accounts
select
    opportunities.opportunity_id,
    opportunities.account_id,
    opportunities.lead_id,
    coalesce(nullif(trim(opportunities.channel), ''), $blank) as channel,
    opportunities.created_at,
    opportunities.close_date,
    coalesce(opportunities.is_closed, false) as is_closed,
    coalesce(opportunities.is_won, false) as is_won,
    opportunities.amount_usd,
    opportunities.gross_margin_usd,
    -- whole days between the calendar dates (0 for a deal closed the day it was created); the
    -- export's stated days where it has no created date
    coalesce(
        cast(datediff('day', cast(opportunities.created_at as date), opportunities.close_date)
             as double),
        opportunities.cycle_days
    ) as cycle_days,
    coalesce(nullif(trim(opportunities.region), ''), stg_accounts.region) as region,
    nullif(trim(opportunities.product), '') as product,
    coalesce(nullif(trim(opportunities.sector), ''), stg_accounts.industry) as sector,
    nullif(trim(opportunities.owner), '') as owner,
    nullif(trim(opportunities.route_to_market), '') as route_to_market
from opportunities
left join stg_accounts on stg_accounts.account_id = opportunities.account_id
