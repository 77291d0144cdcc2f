-- one row per lead of a feature-file dataset, in the order its file held them
select * from data.main.feature_leads
