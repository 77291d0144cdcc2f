-- one row: the import the database currently holds
select imported_at, source_format, files, row_counts, warnings
from imports
order by imported_at desc
limit 1
