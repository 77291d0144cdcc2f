-- one row per lead in the page's segments and channels: whether it became MQL in the period, and its value of the breakdown ($by)
-- staging: segmented_leads
select
    segmented_leads.*,
    cast(mql_at as date) between $start and $end as mql_in_period,
    coalesce(case $by when 'channel' then channel when 'region' then region
                      when 'product' then product when 'sector' then sector when 'owner' then owner
                      when 'route_to_market' then route_to_market else segment end, $blank)
        as breakdown
from segmented_leads
where ($all_segments or array_contains($segments, segment))
  and ($all_channels or array_contains($channels, channel))
