{#-
    The period's canonical vendor cost lines (every source kind: FOCUS, AWS CUR, Azure, Google
    Cloud, Oracle Cloud, colocation) in FOCUS 1.2 terms, one row per canonical line of
    int_vendor_charges__unified.
    Duplicates, quarantined lines, other periods' lines and vendor tax lines are left out: they
    are not this period's cost (the conservation checks of the unified model account for them).
    What a vendor's export does not say is filled from billing policy: provider, publisher,
    invoice issuer and account types from the focus_providers seed, service name and category
    from focus_services (the vendor's `*` row when the SKU has none), the billing period from
    the period under run. A list cost the vendor does not state is its list unit price x
    quantity, else the contracted cost; a contracted cost it does not state is the billed amount
    (docs/focus-export.md lists every such choice).
-#}

with

vendor_lines as (

    select * from {{ ref('int_vendor_charges__unified') }}
    where row_status = 'canonical'

),

providers as (

    select * from {{ ref('focus_providers') }}

),

services as (

    select * from {{ ref('focus_services') }}

),

classified as (

    select
        vendor_lines.*,
        providers.provider_name as policy_provider_name,
        providers.publisher_name,
        providers.invoice_issuer_name,
        providers.billing_account_id as policy_billing_account_id,
        providers.billing_account_name as policy_billing_account_name,
        providers.billing_account_type,
        providers.sub_account_type,
        coalesce(sku_services.service_name, vendor_services.service_name) as service_name,
        coalesce(sku_services.service_category, vendor_services.service_category) as service_category,
        coalesce(sku_services.service_subcategory, vendor_services.service_subcategory)
            as service_subcategory,
        coalesce(sku_services.charge_frequency, vendor_services.charge_frequency)
            as policy_charge_frequency,
        coalesce(vendor_lines.charge_category, 'Usage') = 'Usage'
        and coalesce(vendor_lines.commitment_discount_status, '') <> 'Unused' as is_consumption,
    from vendor_lines
    left join providers
        on vendor_lines.vendor_id = providers.vendor_id
    left join services as sku_services
        on
            vendor_lines.vendor_id = sku_services.vendor_id
            and vendor_lines.vendor_sku_id = sku_services.vendor_sku_id
    left join services as vendor_services
        on
            vendor_lines.vendor_id = vendor_services.vendor_id
            and vendor_services.vendor_sku_id = '*'

),

final as (

    select
        vendor_charge_line_id,
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        vendor_id,
        source_kind,
        source_file,
        source_row,
        line_number_in_row,
        site_id,
        cast(billed_amount as decimal(38, 6)) as billed_cost,
        cast(coalesce(effective_cost, billed_amount) as decimal(38, 6)) as effective_cost,
        cast(
            coalesce(list_cost, list_unit_price * billed_quantity, contracted_cost, billed_amount)
            as decimal(38, 6)
        ) as list_cost,
        cast(coalesce(contracted_cost, billed_amount) as decimal(38, 6)) as contracted_cost,
        upper(currency_code) as billing_currency,
        coalesce(billing_account_id, policy_billing_account_id, vendor_id) as billing_account_id,
        coalesce(
            policy_billing_account_name, billing_account_id, policy_billing_account_id, vendor_id
        ) as billing_account_name,
        billing_account_type,
        sub_account_id,
        sub_account_id as sub_account_name,
        case when sub_account_id is not null then sub_account_type end as sub_account_type,
        coalesce(billing_period_start_at, {{ billing_period_start() }}) as billing_period_start_at,
        coalesce(billing_period_end_at, {{ billing_period_end() }}) as billing_period_end_at,
        charge_period_start_at,
        charge_period_end_at,
        coalesce(charge_category, 'Usage') as charge_category,
        charge_class,
        coalesce(charge_description, vendor_item_code) as charge_description,
        coalesce(charge_frequency, policy_charge_frequency, 'Usage-Based') as charge_frequency,
        coalesce(provider_name, policy_provider_name, vendor_id) as provider_name,
        coalesce(publisher_name, provider_name, vendor_id) as publisher_name,
        coalesce(invoice_issuer_name, provider_name, vendor_id) as invoice_issuer_name,
        invoice_id,
        coalesce(service_name, vendor_item_code) as service_name,
        coalesce(service_category, 'Other') as service_category,
        coalesce(service_subcategory, 'Other (Other)') as service_subcategory,
        resource_id,
        resource_id as resource_name,
        region_id,
        region_id as region_name,
        vendor_item_code as sku_id,
        sku_price_id,
        case
            when commitment_discount_id is not null then 'Committed'
            else 'Standard'
        end as pricing_category,
        cast(billed_quantity as decimal(38, 6)) as pricing_quantity,
        case when billed_quantity is not null then billed_unit end as pricing_unit,
        cast(list_unit_price as decimal(38, 6)) as list_unit_price,
        cast(contracted_unit_price as decimal(38, 6)) as contracted_unit_price,
        -- FOCUS 1.2: consumption is stated on usage only, and not on an unused commitment
        cast(case when is_consumption then consumed_quantity end as decimal(38, 6)) as consumed_quantity,
        case when is_consumption then consumed_unit end as consumed_unit,
        commitment_discount_id,
        commitment_discount_id as commitment_discount_name,
        commitment_discount_category,
        commitment_discount_type,
        commitment_discount_status,
        tags,
    from classified

)

select * from final
