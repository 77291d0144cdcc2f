-- one row per lead attribute kept on import: its name as the export wrote it, its kind and how many leads have a value
with
lead_catalog as (
    select name, kind, filled
    from attributes
    where record_table = 'leads'
),
final as (
    select name, min(kind) as kind, sum(filled) as filled
    from lead_catalog
    group by name
)
select * from final order by name
