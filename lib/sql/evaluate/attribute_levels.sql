-- one row per lead attribute and level among the leads with an outcome: leads, wins, and a number level's bounds (quartile bins)
with
-- two lists, each unnested on its own: Spark allows one generator per select
leads_with_outcome as (select unnest($lead_ids) as lead_id),
won_leads as (select unnest($won_lead_ids) as lead_id),
outcomes as (
    select
        leads_with_outcome.lead_id,
        won_leads.lead_id is not null as won
    from leads_with_outcome
    left join (select distinct lead_id from won_leads) as won_leads
        on won_leads.lead_id = leads_with_outcome.lead_id
),
attribute_values as (
    select
        lead_attributes.name,
        lead_attributes.number_value,
        lead_attributes.flag_value,
        lead_attributes.text_value,
        lead_attributes.date_value,
        lead_attributes.lead_id,
        outcomes.won
    from lead_attributes
    join outcomes on outcomes.lead_id = lead_attributes.lead_id
),
binned as (
    select
        *,
        case when number_value is not null
             -- lead_id breaks ties: equal values straddling a bin edge land in the same bins
             -- on every run and engine
             then ntile(4) over (
                 partition by name, number_value is null order by number_value, lead_id
             )
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
