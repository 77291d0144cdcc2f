-- one row: the latest moment the data knows about, so "30 days old" means old for this export
select max(moment) as as_of
from (
    select max(occurred_at) as moment from activities
    union all
    select max(updated_at) from leads
    union all
    select max(created_at) from leads
    union all
    select max(created_at) from opportunities
) as moments
