-- one row per segment and breakdown value: deals closed in the period, won, lost, won with a margin, won at the margin target
-- staging: filtered_opportunities, stg_opportunities
with
tracking as (
    -- whether the CRM records margins at all, judged on every closed deal whatever the filters
    select count(gross_margin_usd) > 0 as margin_tracked from stg_opportunities where is_closed
),
final as (
    select
        segment,
        breakdown,
        count(*) as closed,
        count(case when is_won then 1 end) as won,
        count(case when not is_won then 1 end) as lost,
        count(case when is_won and gross_margin_usd is not null then 1 end) as won_with_margin,
        count(
            case when is_won and amount_usd > 0 and gross_margin_usd / amount_usd >= $margin_target
                 then 1 end
        ) as profitable_won,
        (select margin_tracked from tracking) as margin_tracked
    from filtered_opportunities
    where is_closed and close_in_period
    group by segment, breakdown
)
select * from final
