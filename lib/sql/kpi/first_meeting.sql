-- one row per lead segment: MQLs of the period and the median hours from MQL to first meeting
-- staging: filtered_leads
with
mqls as (
    select segment, datediff('second', mql_at, first_meeting_at) / 3600.0 as hours_to_first_meeting
    from filtered_leads
    where mql_in_period
),
final as (
    select
        segment,
        count(*) as mqls,
        count(case when hours_to_first_meeting >= 0 then 1 end) as meetings,
        -- a meeting logged before the MQL is a data-entry artefact, not a fast response
        count(case when hours_to_first_meeting < 0 then 1 end) as excluded_meeting_before_mql,
        percentile_cont(0.5) within group (
            order by case when hours_to_first_meeting >= 0 then hours_to_first_meeting end
        ) as median_hours_to_first_meeting
    from mqls
    group by segment
)
select * from final
