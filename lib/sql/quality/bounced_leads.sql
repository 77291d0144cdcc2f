-- one row per lead whose email address hard-bounced
-- staging: stg_leads
with
final as (
    select lead_id, account_id, email, company_name, updated_at
    from stg_leads
    where email_bounced
)
select * from final
order by lead_id
