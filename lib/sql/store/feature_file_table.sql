-- one row: the feature file a feature-file dataset was opened from, how it was measured, its Arrow schema
create table feature_file (
    name varchar not null,
    about varchar not null,
    arrow_schema blob not null
)
