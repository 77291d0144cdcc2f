-- one row per inserted change: makes a dataset the current one, as the newest change
insert into dataset_changes (seq, changed_at, version, action, author, identity)
select coalesce(max(seq), 0) + 1, $changed_at, $version, $action, $author, $identity
from dataset_changes
returning seq
