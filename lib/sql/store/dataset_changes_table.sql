-- one row per change of the current dataset (import, restore, migration); the newest row is current
create table if not exists dataset_changes (
    seq integer primary key,
    changed_at timestamp not null,
    version varchar not null,
    action varchar not null,
    author varchar,
    identity varchar
)
