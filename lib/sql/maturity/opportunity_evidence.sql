-- one row: opportunities, how many came from a lead that reached SQL, won, won with a margin
with
opportunities as (select lead_id, is_won, gross_margin_usd from opportunities),
leads as (select lead_id, sql_at from leads),
sql_leads as (select distinct lead_id from leads where sql_at is not null),
final as (
    select
        count(*) as opportunities,
        count(sql_leads.lead_id) as qualified_opportunities,
        count(case when opportunities.is_won then 1 end) as won,
        count(case when opportunities.is_won and opportunities.gross_margin_usd is not null
                   then 1 end) as won_with_margin
    from opportunities
    left join sql_leads on sql_leads.lead_id = opportunities.lead_id
)
select * from final
