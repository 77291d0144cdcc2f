-- one row per lead with a source opportunity: whether one was won or lost, and the won deals' amount and margin
-- staging: stg_opportunities
select
    lead_id,
    max(case when is_won then 1 else 0 end) = 1 as won,
    max(case when is_closed and not is_won then 1 else 0 end) = 1 as lost_any,
    sum(case when is_won then amount_usd end) as won_amount_usd,
    sum(case when is_won then gross_margin_usd end) as won_gross_margin_usd
from stg_opportunities
where lead_id is not null
group by lead_id
