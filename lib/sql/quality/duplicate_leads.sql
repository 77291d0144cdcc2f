-- one row per lead that shares its email address (trimmed, any case) with another lead
-- staging: stg_leads
with
emails as (
    select lead_id, account_id, email, company_name, created_at, lower(email) as email_key
    from stg_leads
),
shared_emails as (
    select email_key, count(distinct lead_id) as leads_sharing_email
    from emails
    where email_key is not null
    group by email_key
    having count(distinct lead_id) > 1
),
final as (
    select
        shared_emails.email_key,
        shared_emails.leads_sharing_email,
        emails.lead_id,
        emails.account_id,
        emails.email,
        emails.company_name,
        emails.created_at
    from emails
    join shared_emails on shared_emails.email_key = emails.email_key
)
select * from final
order by email_key, created_at nulls last, lead_id
