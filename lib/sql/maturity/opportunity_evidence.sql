-- one row: opportunities, how many came from a lead that reached SQL, won, won with a margin
-- staging: stg_opportunities, stg_leads
with
sql_leads as (select distinct lead_id from stg_leads where sql_at is not null),
final as (
    select
        count(*) as opportunities,
        count(sql_leads.lead_id) as qualified_opportunities,
        count(case when stg_opportunities.is_won then 1 end) as won,
        count(case when stg_opportunities.is_won and stg_opportunities.gross_margin_usd is not null
                   then 1 end) as won_with_margin
    from stg_opportunities
    left join sql_leads on sql_leads.lead_id = stg_opportunities.lead_id
)
select * from final
