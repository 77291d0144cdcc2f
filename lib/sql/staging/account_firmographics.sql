-- one row per account: the firmographics that decide its segment
select account_id, annual_revenue_usd, employees from accounts
