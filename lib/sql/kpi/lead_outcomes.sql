-- one row per lead that reached SQL or has a source opportunity: reached_sql, won, lost, won deals' amount and margin
-- staging: stg_leads, lead_outcomes
with
final as (
    select
        stg_leads.lead_id,
        stg_leads.sql_at is not null as reached_sql,
        coalesce(lead_outcomes.won, false) as won,
        -- any win counts the lead as won
        coalesce(lead_outcomes.lost_any and not lead_outcomes.won, false) as lost,
        lead_outcomes.won_amount_usd,
        lead_outcomes.won_gross_margin_usd
    from stg_leads
    left join lead_outcomes on lead_outcomes.lead_id = stg_leads.lead_id
    where stg_leads.sql_at is not null or lead_outcomes.lead_id is not null
)
select * from final
