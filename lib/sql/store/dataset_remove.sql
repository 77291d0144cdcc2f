-- one row per dataset marked removed: its data file is no longer kept
update datasets
set removed_at = $removed_at
where version = $version
returning version
