-- one row per segment rule, in the model's order: the smallest company that belongs to the segment
select rule.position, rule.segment, rule.min_annual_revenue_usd, rule.min_employees
from (select unnest($segment_rules) as rule) as rules
