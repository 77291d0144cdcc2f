-- one row per opportunity: its record with its channel (blank: unknown), closed and won false unless recorded
select
    opportunity_id,
    account_id,
    lead_id,
    coalesce(nullif(trim(channel), ''), $unknown_channel) as channel,
    created_at,
    close_date,
    coalesce(is_closed, false) as is_closed,
    coalesce(is_won, false) as is_won,
    amount_usd,
    gross_margin_usd
from opportunities
