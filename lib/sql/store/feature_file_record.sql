-- one row inserted: the feature file a feature-file dataset was opened from
insert into feature_file (name, about, arrow_schema)
values ($name, $about, $arrow_schema)
