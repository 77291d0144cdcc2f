-- one row: the current dataset version (null before any import), the newest model version (0: none)
with
changes as (select seq, version from dataset_changes),
models as (select version from model_versions),
current_dataset as (select version from changes order by seq desc limit 1),
final as (
    select
        (select version from current_dataset) as dataset,
        (select coalesce(max(version), 0) from models) as model
)
select * from final
