-- one row per lead of the page's segments and channels that became MQL in the period, and whether it is old enough to have converted
-- staging: filtered_leads, stg_leads, data_as_of
select
    filtered_leads.*,
    -- an MQL younger than the time 95% of conversions take may still convert: not yet counted
    coalesce(datediff('second', filtered_leads.mql_at, data_as_of.as_of) >= lags.seconds, true)
        as old_enough,
    lags.seconds / 86400.0 as conversion_lag_days
from filtered_leads
cross join data_as_of
cross join (
    select percentile_cont(0.95) within group (order by datediff('second', mql_at, sql_at))
        as seconds
    from stg_leads
    where sql_at >= mql_at
) as lags
where filtered_leads.mql_in_period
