-- no rows: gives the import log the column saying how an opened feature file was measured (JSON; null for a CRM export)
alter table datasets add column if not exists feature_file varchar
