-- one row per segment: deals closed in the period, won, lost, won with a margin, won at the margin target
with
opportunities as (
    select account_id, coalesce(channel, 'unknown') as channel, close_date,
           coalesce(is_won, false) as is_won, amount_usd, gross_margin_usd
    from opportunities
    where coalesce(is_closed, false)
),
tracking as (
    select count(gross_margin_usd) > 0 as margin_tracked from opportunities
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
        count(*) as closed,
        count(*) filter (where is_won) as won,
        count(*) filter (where not is_won) as lost,
        count(*) filter (where is_won and gross_margin_usd is not null) as won_with_margin,
        count(*) filter (
            where is_won and amount_usd > 0 and gross_margin_usd / amount_usd >= $margin_target
        ) as profitable_won,
        (select margin_tracked from tracking) as margin_tracked
    from filtered
    group by segment
)
select * from final
