-- one row per channel that leads or opportunities came from
with
lead_channels as (select distinct channel from leads where channel is not null),
opportunity_channels as (select distinct channel from opportunities where channel is not null),
final as (select channel from lead_channels union select channel from opportunity_channels)
select channel from final order by channel
