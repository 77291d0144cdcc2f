-- one row per segment: opportunities won and lost among those closed in the period
with
opportunities as (
    select account_id, coalesce(channel, 'unknown') as channel, close_date,
           coalesce(is_won, false) as is_won
    from opportunities
    where coalesce(is_closed, false)
),
account_segment as (select account_id, segment from account_segment),
segmented as (
    select opportunities.*, coalesce(account_segment.segment, 'unassigned') as segment
    from opportunities
    left join account_segment on account_segment.account_id = opportunities.account_id
),
filtered as (
    select * from segmented
    where close_date between $start and $end
      and ($all_segments or segment in (select unnest($segments)))
      and ($all_channels or channel in (select unnest($channels)))
),
final as (
    select
        segment,
        count(*) filter (where is_won) as won,
        count(*) filter (where not is_won) as lost
    from filtered
    group by segment
)
select * from final
