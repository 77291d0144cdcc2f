-- one row per lead: its record with blank text read as unknown, firmographics and stated segment (its account's, else its own), channel and dimensions, its own converted outcome
-- staging: stg_accounts
select
    leads.lead_id,
    leads.account_id,
    nullif(trim(leads.email), '') as email,
    nullif(trim(leads.company_name), '') as company_name,
    stg_accounts.name as account_name,
    nullif(trim(leads.title), '') as title,
    -- a blank channel is its own value, never merged with a CRM's literal "unknown"
    coalesce(nullif(trim(leads.channel), ''), $blank) as channel,
    -- industry field by field; size as one record, so a known account's figures are never mixed
    -- with the lead's own
    coalesce(stg_accounts.industry, nullif(trim(leads.industry), '')) as industry,
    case when stg_accounts.account_id is not null then stg_accounts.annual_revenue_usd
         else leads.annual_revenue_usd end as annual_revenue_usd,
    case when stg_accounts.account_id is not null then stg_accounts.employees
         else leads.employees end as employees,
    case when stg_accounts.account_id is not null then stg_accounts.stated_segment
         else nullif(trim(leads.segment), '') end as stated_segment,
    coalesce(nullif(trim(leads.region), ''), stg_accounts.region) as region,
    nullif(trim(leads.product), '') as product,
    coalesce(nullif(trim(leads.sector), ''), stg_accounts.industry, nullif(trim(leads.industry), ''))
        as sector,
    nullif(trim(leads.owner), '') as owner,
    nullif(trim(leads.route_to_market), '') as route_to_market,
    leads.created_at,
    leads.updated_at,
    leads.mql_at,
    leads.sal_at,
    leads.sql_at,
    leads.first_meeting_at,
    leads.disqualified_at,
    -- sales' first answer to the MQL, accepting or rejecting it (written out: least() skips nulls
    -- on some engines and not on others)
    case when leads.sal_at <= coalesce(leads.disqualified_at, leads.sal_at) then leads.sal_at
         else leads.disqualified_at end as accepted_or_rejected_at,
    coalesce(leads.email_bounced, false) as email_bounced,
    leads.email_bounced_at,
    leads.converted,
    leads.converted_at
from leads
left join stg_accounts on stg_accounts.account_id = leads.account_id
