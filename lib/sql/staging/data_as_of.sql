-- one row: the latest moment the data knows about, so "30 days old" means old for this export
select greatest(
    (select max(occurred_at) from activities),
    (select max(updated_at) from leads),
    (select max(created_at) from leads),
    (select max(created_at) from opportunities)
) as as_of
