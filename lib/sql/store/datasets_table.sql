-- one row per import recorded in the workspace; its data file is kept until removed_at is set
create table if not exists datasets (
    version varchar primary key,
    imported_at timestamp not null,
    source_format varchar not null,
    files varchar not null,
    row_counts varchar not null,
    warnings varchar not null,
    author varchar,
    identity varchar,
    removed_at timestamp
)
