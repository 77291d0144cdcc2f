-- one row: how many accounts and leads there are, and how many of them have a segment
-- staging: record_segments
with
final as (
    select
        count(*) as records,
        count(case when segment <> $unassigned_segment then 1 end) as segmented
    from record_segments
)
select * from final
