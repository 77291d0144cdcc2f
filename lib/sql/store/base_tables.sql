-- one row per base table in the main database of the open file
with
tables_listed as (
    select table_name from information_schema.tables
    where table_catalog = current_database() and table_schema = 'main' and table_type = 'BASE TABLE'
),
final as (select table_name from tables_listed order by table_name)
select * from final
