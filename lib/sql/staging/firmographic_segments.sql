-- one row per pair of company figures (revenue, employees) in the data: the segment of the first rule it meets, else unassigned
-- staging: stg_accounts, stg_leads, segment_rules
select
    matches.annual_revenue_usd,
    matches.employees,
    coalesce(segment_rules.segment, $unassigned_segment) as segment
from (
    -- revenue decides where it is known, else employees; a company with neither meets no rule
    select figures.annual_revenue_usd, figures.employees, min(segment_rules.position) as position
    from (
        -- distinct figures, not records: ~84k pairs stand for 1.2M accounts and leads
        select annual_revenue_usd, employees from stg_accounts
        union
        select annual_revenue_usd, employees from stg_leads
    ) as figures
    left join segment_rules
        on case when figures.annual_revenue_usd is not null
                then figures.annual_revenue_usd >= segment_rules.min_annual_revenue_usd
                else figures.employees >= segment_rules.min_employees end
    group by figures.annual_revenue_usd, figures.employees
) as matches
left join segment_rules on segment_rules.position = matches.position
