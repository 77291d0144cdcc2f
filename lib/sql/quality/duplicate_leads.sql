-- one row per lead that shares its email address (trimmed, any case) with another lead
with
leads as (
    select lead_id, account_id, email, company_name, created_at, lower(trim(email)) as email_key
    from leads
),
shared_emails as (
    select email_key, count(distinct lead_id) as leads_sharing_email
    from leads
    where email_key <> ''
    group by email_key
    having count(distinct lead_id) > 1
),
final as (
    select
        shared_emails.email_key,
        shared_emails.leads_sharing_email,
        leads.lead_id,
        leads.account_id,
        leads.email,
        leads.company_name,
        leads.created_at
    from leads
    join shared_emails on shared_emails.email_key = leads.email_key
)
select * from final
order by email_key, created_at nulls last, lead_id
