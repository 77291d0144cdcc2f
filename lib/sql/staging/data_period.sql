-- one row: the first and last day of created, MQL and close dates (never past the export)
-- staging: data_as_of
with
first_moments as (
    select min(created_at) as moment from leads
    union all
    select min(mql_at) from leads
    union all
    select min(created_at) from opportunities
    union all
    -- a deals-only export without created dates, or a bulk load that stamped every created
    -- date with the load day, begins at its first close
    select min(close_date) from opportunities where is_closed
),
last_moments as (
    select max(created_at) as moment from leads
    union all
    select max(mql_at) from leads
    union all
    select max(created_at) from opportunities
    union all
    select max(close_date) from opportunities where is_closed
),
final as (
    select
        cast((select min(moment) from first_moments) as date) as first_day,
        -- a deal closed on a day after the export is a typo, not the data's end
        case when (select max(moment) from last_moments) > (select as_of from data_as_of)
             then cast((select as_of from data_as_of) as date)
             else cast((select max(moment) from last_moments) as date) end as last_day
)
select * from final
