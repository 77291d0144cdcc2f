-- one row per opportunity in the page's segments and channels: whether it closes or was created in the period, and its value of the breakdown ($by)
-- staging: segmented_opportunities
select
    segmented_opportunities.*,
    close_date between $start and $end as close_in_period,
    cast(created_at as date) between $start and $end as created_in_period,
    coalesce(case $by when 'channel' then channel when 'region' then region
                      when 'product' then product when 'sector' then sector when 'owner' then owner
                      when 'route_to_market' then route_to_market else segment end, $blank)
        as breakdown
from segmented_opportunities
where ($all_segments or array_contains($segments, segment))
  and ($all_channels or array_contains($channels, channel))
