-- one row: whether the export records any SQL date (without one, MQL->SQL is not measured)
-- staging: stg_leads
select count(sql_at) > 0 as sql_dates_recorded from stg_leads
