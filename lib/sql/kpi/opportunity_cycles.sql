-- one row per opportunity of the page's segments and channels: outcome, amount, creation and close day, days open, and whether it closed or was created in the period
-- staging: filtered_opportunities, data_as_of
with
deals as (
    select
        opportunity_id,
        segment,
        breakdown,
        is_closed,
        is_won,
        amount_usd,
        close_in_period,
        created_in_period,
        cycle_days,
        cast(created_at as date) as created_day,
        -- a close dated after the export has not happened as far as the data knows: it ends there
        case when not is_closed then null
             when close_date > cast(data_as_of.as_of as date) then cast(data_as_of.as_of as date)
             else close_date end as closed_day,
        cast(data_as_of.as_of as date) as as_of_day
    from filtered_opportunities
    cross join data_as_of
),
final as (
    select
        deals.*,
        -- whole days between calendar dates, so a deal closed the day it was created is 0; the
        -- export's stated days where it has no created date; an open deal is censored at the
        -- data's last day, not today
        case when created_day is null then cycle_days
             else datediff('day', created_day, coalesce(closed_day, as_of_day)) end as days
    from deals
)
select * from final
