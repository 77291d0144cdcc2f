-- one row per segment: open deals as of the data and deals won in the period
-- staging: filtered_opportunities
with
deals as (
    select
        segment,
        is_closed,
        is_won and close_in_period as won_in_period,
        coalesce(amount_usd, 0) as amount_usd
    from filtered_opportunities
),
final as (
    select
        segment,
        count(case when not is_closed then 1 end) as open_count,
        coalesce(sum(case when not is_closed then amount_usd end), 0) as open_amount_usd,
        count(case when won_in_period then 1 end) as won_count,
        coalesce(sum(case when won_in_period then amount_usd end), 0) as won_amount_usd
    from deals
    group by segment
)
select * from final
