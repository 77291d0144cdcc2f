-- one row (or none): the YAML body of one published model version
with
versions as (select version, body from model_versions),
final as (select body from versions where version = $version)
select * from final
