-- one row: closed and won deals in the data, closed deals with a source lead to learn from, and bounced leads whose bounce has no date
-- staging: stg_opportunities, stg_leads
with
final as (
    select
        (select count(*) from stg_opportunities where is_closed) as closed_deals,
        (select count(*) from stg_opportunities where is_won) as won_deals,
        (select count(*) from stg_opportunities where is_closed and lead_id is not null)
            as closed_deals_with_lead,
        (select count(*) from stg_leads where email_bounced and email_bounced_at is null)
            as undated_bounces
)
select * from final
