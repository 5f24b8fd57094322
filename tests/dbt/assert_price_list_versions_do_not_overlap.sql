-- Two versions of one (price list, SKU) in force at the same instant would make rating
-- ambiguous; such segments are priced as missing, but the seed itself must not allow it.
select
    earlier.price_list_id,
    earlier.sku_id,
    earlier.price_list_version,
    later.price_list_version as overlapping_version,
from {{ ref('customer_price_lists') }} as earlier
inner join {{ ref('customer_price_lists') }} as later
    on earlier.price_list_id = later.price_list_id
        and earlier.sku_id = later.sku_id
        and earlier.price_list_version < later.price_list_version
        and later.effective_from < coalesce(earlier.effective_to, cast('infinity' as timestamp))
        and earlier.effective_from < coalesce(later.effective_to, cast('infinity' as timestamp))
