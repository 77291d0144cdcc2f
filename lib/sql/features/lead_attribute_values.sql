-- one row per lead and attribute a scoring rule reads: its value in the column of its kind
with
named_values as (
    select lead_id, name, number_value, date_value, flag_value, text_value
    from lead_attributes
    where array_contains($names, name)
),
final as (
    select * from named_values
)
select * from final order by name, lead_id
