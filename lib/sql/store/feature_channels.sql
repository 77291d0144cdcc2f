-- one row per channel the leads of a feature-file dataset came from
with
lead_channels as (select distinct channel from data.main.feature_leads where channel is not null),
final as (select channel from lead_channels)
select channel from final order by channel
