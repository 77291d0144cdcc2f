-- one row per dataset whose data file is kept, the most recently current first
with
datasets_all as (select * from datasets),
changes as (select seq, changed_at, version from dataset_changes),
last_current as (
    select version, max(seq) as last_seq, max(changed_at) as last_current_at
    from changes
    group by version
),
final as (
    select
        d.version,
        d.imported_at,
        d.source_format,
        d.files,
        d.row_counts,
        d.warnings,
        d.author,
        d.feature_file,
        l.last_current_at,
        l.last_seq = (select max(seq) from changes) as is_current
    from datasets_all as d
    inner join last_current as l on d.version = l.version
    where d.removed_at is null
    order by l.last_seq desc
)
select * from final
