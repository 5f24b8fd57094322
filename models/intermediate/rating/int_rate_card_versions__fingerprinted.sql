{#-
    One fingerprint per version of billing policy: md5 of the version's rows, in a fixed
    order and a fixed text form. A `price_list` version covers its prices
    (customer_price_lists), pricing terms and tiers; a `recurring_charge` version covers the
    charge row. Editing any row of a version changes its fingerprint; adding a new version
    leaves the others unchanged. The close of a period records the fingerprints of the
    versions it used in ledger.rate_card_versions (docs/rating.md).
-#}

with

prices as (

    select
        price_list_id,
        price_list_version,
        'price|' || sku_id || '|' || strftime(effective_from, '%Y-%m-%dT%H:%M:%S') || '|'
        || coalesce(strftime(effective_to, '%Y-%m-%dT%H:%M:%S'), '') || '|' || currency_code || '|'
        || cast(cast(unit_price as decimal(18, 6)) as varchar) || '|' || pricing_unit as row_text,
    from {{ ref('customer_price_lists') }}

),

terms as (

    select
        price_list_id,
        price_list_version,
        {{ stable_text([
            "'term'", 'sku_id', 'pricing_model', 'cast(package_size as decimal(18, 6))',
            'cast(included_quantity as decimal(18, 6))', 'cast(committed_quantity as decimal(18, 6))',
            'cast(committed_discount_rate as decimal(9, 6))', 'cost_vendor_id', 'cost_vendor_sku_id',
            'cast(markup_rate as decimal(9, 6))',
        ]) }}
        -- a flag added later: only a set flag enters the text, so versions recorded before
        -- the flag existed keep their fingerprint
        || case when allow_estimated_usage then '|allow_estimated_usage' else '' end as row_text,
    from {{ ref('customer_pricing_terms') }}

),

tiers as (

    select
        price_list_id,
        price_list_version,
        {{ stable_text([
            "'tier'", 'sku_id', 'tier_number', 'cast(from_quantity as decimal(18, 6))',
            'cast(to_quantity as decimal(18, 6))', 'cast(unit_price as decimal(18, 6))',
        ]) }} as row_text,
    from {{ ref('customer_price_tiers') }}

),

price_list_rows as (

    select * from prices
    union all
    select * from terms
    union all
    select * from tiers

),

price_list_versions as (

    select
        'price_list' as policy_kind,
        price_list_id as policy_id,
        price_list_version as version,
        md5(string_agg(row_text, chr(10) order by row_text)) as fingerprint,
        count(*) as row_count,
    from price_list_rows
    group by price_list_id, price_list_version

),

charge_versions as (

    select
        'recurring_charge' as policy_kind,
        price_list_id || '/' || charge_id as policy_id,
        charge_version as version,
        md5({{ stable_text([
            "'charge'", "strftime(effective_from, '%Y-%m-%dT%H:%M:%S')",
            "strftime(effective_to, '%Y-%m-%dT%H:%M:%S')", 'charge_type', 'currency_code',
            'cast(amount as decimal(18, 6))',
        ]) }}) as fingerprint,
        1 as row_count,
    from {{ ref('customer_recurring_charges') }}

),

final as (

    select * from price_list_versions
    union all
    select * from charge_versions

)

select
    cast(policy_kind as varchar) as policy_kind,
    cast(policy_id as varchar) as policy_id,
    cast(version as integer) as version,
    cast(fingerprint as varchar) as fingerprint,
    cast(row_count as bigint) as row_count,
from final
