-- one row per lead segment and channel: leads that became MQL in the period and how many reached SQL
with
leads as (
    select lead_id, coalesce(channel, 'unknown') as channel, mql_at, sql_at
    from leads
    where mql_at is not null
),
lead_segment as (select lead_id, segment from lead_segment),
segmented as (
    select leads.*, coalesce(lead_segment.segment, 'unassigned') as segment
    from leads
    left join lead_segment on lead_segment.lead_id = leads.lead_id
),
filtered as (
    select * from segmented
    where cast(mql_at as date) between $start and $end
      and ($all_segments or segment in (select unnest($segments)))
      and ($all_channels or channel in (select unnest($channels)))
),
final as (
    select
        segment,
        channel,
        count(*) as mqls,
        count(*) filter (where sql_at is not null) as sqls
    from filtered
    group by segment, channel
)
select * from final
