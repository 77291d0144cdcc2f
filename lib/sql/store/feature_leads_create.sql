-- one row per lead of an opened feature file, as the file measured it (a feature-file dataset's data)
create table feature_leads as
select * from read_parquet($path)
