"""Statistics and KPIs as tidy frames with counts and intervals: funnel, quality, maturity."""
