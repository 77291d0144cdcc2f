-- one row: the moment the export was taken, so "30 days old" means old for this export
-- The latest date a record carries that cannot lie ahead: a creation or edit, a funnel step, a
-- closed deal's close. Activities can (a meeting booked for next month) and so never move it,
-- nor can anything dated after today (a typo). lib/metrics/quality.py lists what is later.
select max(moment) as as_of
from (
    select created_at as moment from leads
    union all select updated_at from leads
    union all select mql_at from leads
    union all select sal_at from leads
    union all select sql_at from leads
    union all select first_meeting_at from leads
    union all select disqualified_at from leads
    union all select email_bounced_at from leads
    union all select created_at from accounts
    union all select created_at from opportunities
    union all select cast(close_date as timestamp) from opportunities where is_closed
) as moments
where moment <= cast(current_timestamp as timestamp)
