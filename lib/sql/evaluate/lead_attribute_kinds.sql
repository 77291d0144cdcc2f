-- one row per kept lead attribute: its name and kind (number, date, boolean or category)
with
lead_attributes_catalog as (
    select name, kind
    from attributes
    where record_table = 'leads'
),
final as (
    select name, min(kind) as kind from lead_attributes_catalog group by name
)
select * from final order by name
