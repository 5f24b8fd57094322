{#-
    The tax rule each valid customer's invoice lines take in the billing period (docs/rating.md),
    decided at the period start:
    - place of supply: the customer's country (B2B services are supplied where the customer
      is established; meterline's B2C supplies are electronically supplied services, also
      taxed where the customer is);
    - a customer exemption (customer_tax_profiles.exemption_tax_rule_id) wins;
    - an EU business customer with a VAT number in another member state than the issuing
      entity is `reverse_charge` (rate 0, legal mention reverse_charge_b2b);
    - otherwise the country's `standard` (or `out_of_scope`) rule.
    Nothing is decided by default, since a guessed rule costs money either way (VAT charged to
    a reverse-charged or exempt customer, or VAT owed and not charged): tax_status is
    `tax_profile_missing` for a customer without a tax profile in force at the period start (no
    rule is looked up), `tax_rule_missing` when its profile leads to no rule in force (no
    standard rate for its country, an exemption rule that does not exist), else `decided`.
    fct_invoice_lines drafts only `decided` customers; int_exceptions__untaxed_customers holds
    the others' lines in a blocking exception, so one customer's reference data never stops
    the month.
-#}

with

customers as (

    select * from {{ ref('stg_reference__customers') }}
    where quarantine_reason is null

),

profiles as (

    select * from {{ ref('customer_tax_profiles') }}
    where effective_from <= cast({{ billing_period_start() }} as date)
        and coalesce(effective_to, cast('infinity' as date)) > cast({{ billing_period_start() }} as date)

),

entities as (

    select * from {{ ref('int_customers__issuing_entities') }}

),

jurisdictions as (

    select * from {{ ref('tax_jurisdictions') }}
    where effective_from <= cast({{ billing_period_start() }} as date)
        and coalesce(effective_to, cast('infinity' as date)) > cast({{ billing_period_start() }} as date)

),

tax_rates as (

    select * from {{ ref('tax_rates') }}
    where effective_from <= cast({{ billing_period_start() }} as date)
        and coalesce(effective_to, cast('infinity' as date)) > cast({{ billing_period_start() }} as date)

),

decided as (

    select
        customers.customer_id,
        customers.country_code as place_of_supply_country_code,
        profiles.customer_id is not null as has_tax_profile,
        profiles.customer_type,
        profiles.vat_number,
        profiles.exemption_tax_rule_id,
        entities.issuing_entity_id,
        case
            when profiles.customer_id is null then null
            when profiles.exemption_tax_rule_id is not null then 'exempt'
            when profiles.customer_type = 'business'
                and profiles.vat_number is not null
                and customer_jurisdictions.is_eu_member
                and entity_jurisdictions.is_eu_member
                and customers.country_code <> entities.issuing_country_code
                then 'reverse_charge'
            else 'standard'
        end as required_treatment,
    from customers
    left join profiles
        on customers.customer_id = profiles.customer_id
    inner join entities
        on customers.customer_id = entities.customer_id
    left join jurisdictions as customer_jurisdictions
        on customers.country_code = customer_jurisdictions.country_code
    left join jurisdictions as entity_jurisdictions
        on entities.issuing_country_code = entity_jurisdictions.country_code

),

final as (

    select
        decided.customer_id,
        decided.place_of_supply_country_code,
        decided.customer_type,
        decided.vat_number,
        decided.issuing_entity_id,
        decided.required_treatment,
        tax_rates.tax_rule_id,
        cast(tax_rates.tax_rate as decimal(9, 6)) as tax_rate,
        tax_rates.tax_name,
        tax_rates.tax_treatment,
        tax_rates.legal_mention_code,
        case
            when not decided.has_tax_profile then 'tax_profile_missing'
            when tax_rates.tax_rule_id is null then 'tax_rule_missing'
            else 'decided'
        end as tax_status,
        case
            when not decided.has_tax_profile
                then 'no tax profile in force on ' || strftime({{ billing_period_start() }}, '%Y-%m-%d')
                    || ' (seeds/rating/customer_tax_profiles.csv): customer type, VAT number and'
                    || ' exemption unknown, so no tax rule is guessed'
            when tax_rates.tax_rule_id is null and decided.required_treatment = 'exempt'
                then 'exemption tax rule ' || decided.exemption_tax_rule_id || ' is not in force on '
                    || strftime({{ billing_period_start() }}, '%Y-%m-%d') || ' (seeds/rating/tax_rates.csv)'
            when tax_rates.tax_rule_id is null
                then 'no ' || decided.required_treatment || ' tax rule for country '
                    || coalesce(decided.place_of_supply_country_code, '(none)') || ' in force on '
                    || strftime({{ billing_period_start() }}, '%Y-%m-%d') || ' (seeds/rating/tax_rates.csv)'
        end as tax_status_detail,
    from decided
    left join tax_rates
        on decided.has_tax_profile
            and case decided.required_treatment
                when 'exempt' then decided.exemption_tax_rule_id = tax_rates.tax_rule_id
                when 'reverse_charge'
                    then decided.place_of_supply_country_code = tax_rates.country_code
                        and tax_rates.tax_treatment = 'reverse_charge'
                else decided.place_of_supply_country_code = tax_rates.country_code
                    and tax_rates.tax_treatment in ('standard', 'out_of_scope')
            end

)

select * from final
