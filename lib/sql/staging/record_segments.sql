-- one row per account and per lead: its segment
-- staging: segmented_accounts, segmented_leads
select 'account' as record_type, account_id as record_id, segment from segmented_accounts
union all
select 'lead', lead_id, segment from segmented_leads
