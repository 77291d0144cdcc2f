-- one row: the feature file this dataset was opened from (none for a dataset of a CRM export)
with
opened as (select name, about, arrow_schema from data.main.feature_file),
final as (select * from opened)
select * from final
