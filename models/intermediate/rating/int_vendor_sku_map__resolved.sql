{#-
    The vendor SKU map with renamed item codes resolved: every row of vendor_sku_map
    (`direct`), plus one row per alias of seeds/rating/vendor_sku_aliases.csv (`alias`) that
    maps the old code to the SKU its current code maps to, over the intersection of both
    rows' effective intervals. Same key columns as vendor_sku_map, so a consumer can read
    this instead and keep `sku_unmapped` for codes that are neither mapped nor aliased.
    sku_map_version fingerprints the vendor's whole map (mappings and aliases): it changes
    whenever any of them does, so a reconciliation line can record which map it used.
-#}

with

mappings as (

    select * from {{ ref('vendor_sku_map') }}

),

aliases as (

    select * from {{ ref('vendor_sku_aliases') }}

),

direct as (

    select
        vendor_id,
        vendor_item_code,
        vendor_sku_id,
        effective_from,
        effective_to,
        'direct' as mapping_source,
        cast(null as varchar) as alias_of_item_code,
    from mappings

),

aliased as (

    select
        aliases.vendor_id,
        aliases.alias_item_code as vendor_item_code,
        mappings.vendor_sku_id,
        greatest(aliases.effective_from, mappings.effective_from) as effective_from,
        case
            when aliases.effective_to is null then mappings.effective_to
            when mappings.effective_to is null then aliases.effective_to
            else least(aliases.effective_to, mappings.effective_to)
        end as effective_to,
        'alias' as mapping_source,
        aliases.vendor_item_code as alias_of_item_code,
    from aliases
    inner join mappings
        on aliases.vendor_id = mappings.vendor_id
            and aliases.vendor_item_code = mappings.vendor_item_code
            and aliases.effective_from < coalesce(mappings.effective_to, cast('infinity' as timestamp))
            and mappings.effective_from < coalesce(aliases.effective_to, cast('infinity' as timestamp))

),

versions as (

    select
        vendor_id,
        md5(string_agg(row_text, chr(10) order by row_text)) as sku_map_version,
    from (
        select
            vendor_id,
            {{ stable_text(
                ["'map'", 'vendor_item_code', 'vendor_sku_id', 'effective_from', 'effective_to']
            ) }}
                as row_text,
        from mappings
        union all
        select
            vendor_id,
            {{ stable_text(
                ["'alias'", 'alias_item_code', 'vendor_item_code', 'effective_from', 'effective_to']
            ) }}
                as row_text,
        from aliases
    ) as map_rows
    group by vendor_id

),

final as (

    select
        resolved.*,
        versions.sku_map_version,
    from (
        select * from direct
        union all
        select * from aliased
    ) as resolved
    left join versions
        on resolved.vendor_id = versions.vendor_id

)

select * from final
