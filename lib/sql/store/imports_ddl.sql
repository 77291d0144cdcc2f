-- one row per import that was swapped into the database
create table if not exists imports (
    imported_at timestamp,
    source_format varchar,
    files varchar,
    row_counts varchar,
    warnings varchar
)
