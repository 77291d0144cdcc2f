-- one row per change of the current dataset (import, restore, migration), oldest first, with the row counts of the dataset current before it and after it
with
changes as (select seq, changed_at, version, action, author, identity from dataset_changes),
datasets_all as (select version, imported_at, source_format, files, row_counts from datasets),
with_counts as (
    select
        c.seq,
        c.changed_at,
        c.action,
        c.author,
        c.identity,
        c.version,
        d.imported_at,
        d.source_format,
        d.files,
        lag(d.row_counts) over (order by c.seq) as counts_before,
        d.row_counts as counts_after
    from changes as c
    inner join datasets_all as d on c.version = d.version
),
final as (select * from with_counts order by seq)
select * from final
