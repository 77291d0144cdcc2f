-- one row per lead segment: MQLs of the period and the median hours from MQL to first meeting
with
leads as (
    select lead_id, coalesce(channel, 'unknown') as channel, mql_at, first_meeting_at
    from leads
    where mql_at is not null
),
lead_segment as (select lead_id, segment from lead_segment),
segmented as (
    select leads.*, coalesce(lead_segment.segment, 'unassigned') as segment,
           extract(epoch from (first_meeting_at - mql_at)) / 3600.0 as hours_to_first_meeting
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
        count(*) as mqls,
        count(*) filter (where hours_to_first_meeting >= 0) as meetings,
        -- a meeting logged before the MQL is a data-entry artefact, not a fast response
        count(*) filter (where hours_to_first_meeting < 0) as excluded_meeting_before_mql,
        percentile_cont(0.5) within group (order by hours_to_first_meeting)
            filter (where hours_to_first_meeting >= 0) as median_hours_to_first_meeting
    from filtered
    group by segment
)
select * from final
