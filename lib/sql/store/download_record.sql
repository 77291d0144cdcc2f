-- one row per inserted download: records who downloaded which records, and how many
insert into downloads (seq, downloaded_at, identity, what, records)
select coalesce(max(seq), 0) + 1, $downloaded_at, $identity, $what, $records
from downloads
returning seq
