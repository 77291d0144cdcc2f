-- one row per published scoring model version; body is the model as YAML text
create table if not exists model_versions (
    version integer primary key,
    created_at timestamp not null,
    author varchar,
    note varchar,
    body varchar not null,
    based_on integer,
    restored_from integer,
    identity varchar
)
