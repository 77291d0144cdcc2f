-- one row per segment: open opportunities as of the data and opportunities won in the period
with
opportunities as (
    select account_id, coalesce(channel, 'unknown') as channel, close_date,
           coalesce(is_closed, false) as is_closed, coalesce(is_won, false) as is_won,
           coalesce(amount_usd, 0) as amount_usd
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
    where ($all_segments or segment in (select unnest($segments)))
      and ($all_channels or channel in (select unnest($channels)))
),
final as (
    select
        segment,
        count(*) filter (where not is_closed) as open_count,
        coalesce(sum(amount_usd) filter (where not is_closed), 0) as open_amount_usd,
        count(*) filter (where is_won and close_date between $start and $end) as won_count,
        coalesce(sum(amount_usd) filter (where is_won and close_date between $start and $end), 0)
            as won_amount_usd
    from filtered
    group by segment
)
select * from final
