-- one row per import that was swapped into the database, with the currency its money is in
create table if not exists imports (
    imported_at timestamp,
    source_format varchar,
    files varchar,
    row_counts varchar,
    warnings varchar,
    currency varchar
);
alter table imports add column if not exists currency varchar
