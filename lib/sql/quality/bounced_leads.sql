-- one row per lead whose email address hard-bounced
with
leads as (
    select lead_id, account_id, email, company_name, updated_at, email_bounced from leads
),
final as (
    select lead_id, account_id, email, company_name, updated_at
    from leads
    where email_bounced
)
select * from final
order by lead_id
