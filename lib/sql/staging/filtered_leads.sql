-- one row per lead in the page's segments and channels, and whether it became MQL in the period
-- staging: segmented_leads
select segmented_leads.*, cast(mql_at as date) between $start and $end as mql_in_period
from segmented_leads
where ($all_segments or array_contains($segments, segment))
  and ($all_channels or array_contains($channels, channel))
