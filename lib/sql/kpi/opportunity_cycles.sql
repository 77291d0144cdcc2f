-- one row per opportunity won in the period or still open: its cycle, or its age when open
with
opportunities as (
    select opportunity_id, account_id, coalesce(channel, 'unknown') as channel, created_at,
           close_date, coalesce(is_closed, false) as is_closed,
           coalesce(is_won, false) as is_won, amount_usd
    from opportunities
),
account_segment as (select account_id, segment from account_segment),
segmented as (
    select opportunities.*, coalesce(account_segment.segment, 'unassigned') as segment
    from opportunities
    left join account_segment on account_segment.account_id = opportunities.account_id
),
filtered as (
    select * from segmented
    where ((is_closed and is_won and close_date between $start and $end) or not is_closed)
      and ($all_segments or segment in (select unnest($segments)))
      and ($all_channels or channel in (select unnest($channels)))
),
final as (
    select
        opportunity_id,
        segment,
        is_won,
        not is_closed as is_open,
        amount_usd,
        -- whole days between the calendar dates, so a deal closed the day it was created is 0
        case when is_won then close_date - cast(created_at as date) end as cycle_days,
        case when not is_closed then cast($as_of as date) - cast(created_at as date)
        end as open_age_days
    from filtered
)
select * from final
