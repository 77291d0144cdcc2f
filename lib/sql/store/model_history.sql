-- one row per published model version, oldest first, without the model body
with
versions as (
    select version, created_at, author, note, based_on, restored_from, identity
    from model_versions
),
final as (select * from versions order by version)
select * from final
