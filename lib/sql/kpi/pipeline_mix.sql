-- one row per segment and breakdown value: open deals as of the data (and how many have no amount) and deals won in the period
-- staging: filtered_opportunities
with
deals as (
    select
        segment,
        breakdown,
        is_closed,
        is_won and close_in_period as won_in_period,
        amount_usd
    from filtered_opportunities
),
final as (
    select
        segment,
        breakdown,
        count(case when not is_closed then 1 end) as open_count,
        -- an open deal without an amount is unpriced, not worth $0: counted apart
        count(case when not is_closed and amount_usd is null then 1 end) as open_unpriced,
        coalesce(sum(case when not is_closed then amount_usd end), 0) as open_amount_usd,
        count(case when won_in_period then 1 end) as won_count,
        coalesce(sum(case when won_in_period then amount_usd end), 0) as won_amount_usd
    from deals
    group by segment, breakdown
)
select * from final
