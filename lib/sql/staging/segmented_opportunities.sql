-- one row per opportunity: its staged record and its account's segment (unassigned without a known account)
-- staging: stg_opportunities, segmented_accounts
select
    stg_opportunities.*,
    coalesce(segmented_accounts.segment, $unassigned_segment) as segment
from stg_opportunities
left join segmented_accounts on segmented_accounts.account_id = stg_opportunities.account_id
