-- one row per lead segment: MQLs of the period and how many sales accepted or rejected within its SLA
with
leads as (
    select lead_id, coalesce(channel, 'unknown') as channel, mql_at,
           least(sal_at, disqualified_at) as handled_at
    from leads
    where mql_at is not null
),
lead_segment as (select lead_id, segment from lead_segment),
segment_sla as (select segment, sla_hours from segment_sla),
segmented as (
    select leads.*, coalesce(lead_segment.segment, 'unassigned') as segment
    from leads
    left join lead_segment on lead_segment.lead_id = leads.lead_id
),
filtered as (
    select segmented.*, segment_sla.sla_hours
    from segmented
    left join segment_sla on segment_sla.segment = segmented.segment
    where cast(mql_at as date) between $start and $end
      and ($all_segments or segmented.segment in (select unnest($segments)))
      and ($all_channels or channel in (select unnest($channels)))
),
final as (
    select
        segment,
        max(sla_hours) as sla_hours,
        count(*) as mqls,
        -- exactly at the SLA counts as within: the promise is "within N hours"
        count(*) filter (
            where extract(epoch from (handled_at - mql_at)) <= sla_hours * 3600
        ) as handled_within_sla
    from filtered
    group by segment
)
select * from final
