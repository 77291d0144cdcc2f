-- one row: the newest published model version (null when none is published)
with
versions as (select version from model_versions),
final as (select max(version) as version from versions)
select * from final
