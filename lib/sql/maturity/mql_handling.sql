-- one row per lead that reached MQL: its segment, when, when sales first accepted, qualified or rejected it, first meeting
-- staging: segmented_leads
with
final as (
    select
        lead_id,
        segment,
        mql_at,
        -- qualifying an MQL answers it too; written out, as least() treats nulls differently
        -- from engine to engine
        case when accepted_or_rejected_at <= coalesce(sql_at, accepted_or_rejected_at)
             then accepted_or_rejected_at else sql_at end as handled_at,
        first_meeting_at
    from segmented_leads
    where mql_at is not null
)
select * from final
order by lead_id
