-- one row per channel that leads or opportunities came from (the blank label when some left it blank)
-- staging: stg_leads, stg_opportunities
with
lead_channels as (select distinct channel from stg_leads),
opportunity_channels as (select distinct channel from stg_opportunities),
final as (select channel from lead_channels union select channel from opportunity_channels)
select channel from final order by channel
