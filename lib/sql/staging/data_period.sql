-- one row: the first and last day the data covers
select
    cast(least((select min(created_at) from leads),
               (select min(created_at) from opportunities)) as date) as first_day,
    cast(greatest((select max(created_at) from leads),
                  (select max(close_date) from opportunities where is_closed)) as date) as last_day
