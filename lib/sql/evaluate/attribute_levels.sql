-- one row per lead attribute and level among the leads with an outcome: leads, wins, and a number level's bounds (quartile bins)
with
outcomes as (
    select unnest($lead_ids) as lead_id, unnest($won) as won
),
attribute_values as (
    select
        lead_attributes.name,
        lead_attributes.number_value,
        lead_attributes.flag_value,
        lead_attributes.text_value,
        lead_attributes.date_value,
        outcomes.won
    from lead_attributes
    join outcomes on outcomes.lead_id = lead_attributes.lead_id
),
binned as (
    select
        *,
        case when number_value is not null
             then ntile(4) over (partition by name, number_value is null order by number_value)
        end as bin
    from attribute_values
),
levels as (
    select
        name,
        case
            when number_value is not null then 'bin ' || cast(bin as varchar)
            when flag_value is not null then cast(flag_value as varchar)
            when date_value is not null then 'dated'
            else trim(text_value)
        end as level,
        min(number_value) as low,
        max(number_value) as high,
        count(*) as leads,
        count(case when won then 1 end) as wins
    from binned
    group by all
),
final as (
    select * from levels
)
select * from final order by name, level
