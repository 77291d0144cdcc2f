-- one row per stage label of open staged opportunities in none of the known lists, with its count
with
staged as (
    select stage from _stage_opportunities where stage is not null and not is_closed
),
unknown as (
    select stage, count(*) as deals
    from staged
    where lower(trim(stage)) not in (select unnest($known))
    group by stage
),
final as (
    select stage, deals from unknown order by deals desc, stage limit 20
)
select * from final
