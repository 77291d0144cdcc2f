-- one row per kept dataset older than the current one and the $keep most recently current others
with
datasets_all as (select version, removed_at from datasets),
changes as (select seq, version from dataset_changes),
last_current as (select version, max(seq) as last_seq from changes group by version),
ranked as (
    select d.version, row_number() over (order by l.last_seq desc) as recency
    from datasets_all as d
    inner join last_current as l on d.version = l.version
    where d.removed_at is null
),
final as (select version from ranked where recency > $keep + 1)
select * from final
