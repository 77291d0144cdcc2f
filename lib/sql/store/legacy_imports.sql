-- one row per import a previous version of Qualify logged, oldest first
with
imports_logged as (select imported_at, source_format, files, row_counts, warnings from imports),
final as (select * from imports_logged order by imported_at)
select * from final
