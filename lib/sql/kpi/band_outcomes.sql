-- one row per score band: leads, how many reached SQL, won and lost, won deals' amount and margin
with
scores as (select lead_id, band, qualification_score from scores),
leads as (select lead_id, sql_at from leads),
opportunities as (
    select lead_id, is_closed, is_won, amount_usd, gross_margin_usd from opportunities
),
sql_leads as (select distinct lead_id from leads where sql_at is not null),
-- a lead's outcome is its source opportunity's; any win counts the lead as won
lead_outcomes as (
    select
        lead_id,
        max(case when is_won then 1 else 0 end) as won,
        max(case when is_closed and not coalesce(is_won, false) then 1 else 0 end) as closed_lost,
        sum(case when is_won then amount_usd end) as won_amount_usd,
        sum(case when is_won then gross_margin_usd end) as won_gross_margin_usd
    from opportunities
    where lead_id is not null
    group by lead_id
),
scored as (
    select
        scores.band,
        scores.qualification_score,
        sql_leads.lead_id is not null as reached_sql,
        coalesce(lead_outcomes.won, 0) = 1 as won,
        coalesce(lead_outcomes.won, 0) = 0 and coalesce(lead_outcomes.closed_lost, 0) = 1 as lost,
        lead_outcomes.won_amount_usd,
        lead_outcomes.won_gross_margin_usd
    from scores
    left join sql_leads on sql_leads.lead_id = scores.lead_id
    left join lead_outcomes on lead_outcomes.lead_id = scores.lead_id
),
final as (
    select
        band,
        count(*) as leads,
        count(case when reached_sql then 1 end) as reached_sql,
        count(case when won then 1 end) as won,
        count(case when lost then 1 end) as lost,
        avg(case when won then won_amount_usd end) as avg_won_amount_usd,
        avg(case when won then won_gross_margin_usd end) as avg_gross_margin_usd,
        avg(qualification_score) as avg_qualification_score
    from scored
    group by band
)
select * from final
order by avg_qualification_score desc nulls last, band
