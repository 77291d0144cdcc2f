-- one row per repeated copy of a record ID (all but its first), with where its first is
with
repeats as (
    select * from _stage_repeats
),
ordered as (
    select
        _file, _row,
        first_value(_file) over by_key as first_file,
        first_value(_row) over by_key as first_row,
        row_number() over by_key as copy
    from repeats
    window by_key as (partition by columns($key) order by _file, _row)
),
final as (
    select _file, _row, first_file, first_row from ordered where copy > 1
)
select * from final
