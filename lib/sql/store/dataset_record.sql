-- one row per inserted dataset: records an import whose data file is now in the workspace
insert into datasets (
    version, imported_at, source_format, files, row_counts, warnings, author, identity, feature_file
)
values ($version, $imported_at, $source_format, $files, $row_counts, $warnings, $author, $identity, $feature_file)
returning version
