-- one row per lead: its position in lead_id order and the moment its features are measured at
-- staging: stg_leads
select
    lead_id,
    row_number() over (order by lead_id) - 1 as lead_pos,
    case
        when not $at_routing_moments then cast($as_of as timestamp)
        -- when the lead was (or, never made MQL, could have been) routed, never after the data
        when routed_at < cast($as_of as timestamp) then routed_at
        else cast($as_of as timestamp)
    end as reference_at
from (
    select
        lead_id,
        coalesce(mql_at, created_at + cast($horizon_days as double) * interval '1 day') as routed_at
    from stg_leads
) as routing
