-- one row: how many leads and opportunities record each dimension kept from the export
-- staging: stg_leads, stg_opportunities
with
records as (
    select region, product, sector, owner, route_to_market from stg_leads
    union all
    select region, product, sector, owner, route_to_market from stg_opportunities
),
final as (
    select
        count(region) as region,
        count(product) as product,
        count(sector) as sector,
        count(owner) as owner,
        count(route_to_market) as route_to_market
    from records
)
select * from final
