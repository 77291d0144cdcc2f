-- one row per download of lead-level records (a page's CSV, the CLI's score file): who, when, what
create table if not exists downloads (
    seq integer primary key,
    downloaded_at timestamp not null,
    identity varchar not null,
    what varchar not null,
    records bigint not null
)
