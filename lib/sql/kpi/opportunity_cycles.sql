-- one row per opportunity won in the period or still open: its cycle, or its age when open
-- staging: filtered_opportunities, data_as_of
with
final as (
    select
        opportunity_id,
        segment,
        breakdown,
        is_won,
        not is_closed as is_open,
        amount_usd,
        case when is_won then cycle_days end as cycle_days,
        -- an open deal is censored at the data's last day, not today
        case when not is_closed
             then datediff('day', cast(created_at as date), cast(data_as_of.as_of as date)) end
            as open_age_days
    from filtered_opportunities
    cross join data_as_of
    where (is_closed and is_won and close_in_period) or not is_closed
)
select * from final
