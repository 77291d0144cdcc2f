-- one row per activity: who did it, their account, what and when
select activity_id, lead_id, account_id, activity_type, occurred_at from activities
