-- one row per opportunity in the page's segments and channels, and whether it closes or was created in the period
-- staging: segmented_opportunities
select
    segmented_opportunities.*,
    close_date between $start and $end as close_in_period,
    cast(created_at as date) between $start and $end as created_in_period
from segmented_opportunities
where ($all_segments or array_contains($segments, segment))
  and ($all_channels or array_contains($channels, channel))
