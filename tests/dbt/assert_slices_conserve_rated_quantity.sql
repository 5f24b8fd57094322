{{ config(meta={"dagster": {"ref": {"name": "int_usage__sliced"}}}) }}
-- Splitting at tier crossings and at the end of included units neither loses nor doubles
-- usage: per rated piece, the slices add up to the piece's quantity exactly.
with

rated as (

    select
        rated_usage_id,
        quantity_base,
    from {{ of_billing_period(ref('int_usage__rated')) }}
    where rating_status = 'rated'

),

sliced as (

    select
        rated_usage_id,
        sum(quantity_base) as sliced_quantity_base,
    from {{ of_billing_period(ref('int_usage__sliced')) }}
    group by rated_usage_id

)

select
    coalesce(rated.rated_usage_id, sliced.rated_usage_id) as rated_usage_id,
    rated.quantity_base,
    sliced.sliced_quantity_base,
from rated
full outer join sliced
    on rated.rated_usage_id = sliced.rated_usage_id
where coalesce(rated.quantity_base, 0) <> coalesce(sliced.sliced_quantity_base, 0)
