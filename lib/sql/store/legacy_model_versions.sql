-- one row per model version published by a previous version of Qualify, with its YAML body
with
versions as (select version, created_at, author, note, body from model_versions),
final as (select * from versions order by version)
select * from final
