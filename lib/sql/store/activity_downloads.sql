-- one row per download of lead-level records, oldest first
with
downloads_all as (select seq, downloaded_at, identity, what, records from downloads),
final as (select * from downloads_all order by seq)
select * from final
