{#-
    The entity that invoices each valid customer: the first rule of seeds/close/customer_entity_rules.csv
    (lowest rule_order) whose customer country and currency match, `*` matching any value. Tax (place of
    supply, reverse charge) and the legal invoice numbering both read the entity from here.
-#}

with

customers as (

    select * from {{ ref('stg_reference__customers') }}
    where quarantine_reason is null

),

rules as (

    select * from {{ ref('customer_entity_rules') }}

),

entities as (

    select * from {{ ref('issuing_entities') }}

),

matched as (

    select
        customers.customer_id,
        rules.issuing_entity_id,
        row_number() over (
            partition by customers.customer_id order by cast(rules.rule_order as integer)
        ) as rule_position,
    from customers
    inner join rules
        on rules.customer_country_code in ('*', customers.country_code)
            and rules.currency_code in ('*', customers.currency_code)

),

final as (

    select
        matched.customer_id,
        matched.issuing_entity_id,
        entities.country_code as issuing_country_code,
    from matched
    inner join entities
        on matched.issuing_entity_id = entities.issuing_entity_id
    where matched.rule_position = 1

)

select * from final
