{#- A customer id on more than one row is quarantined on every row: which one is right is a
    decision for a person, and usage of that customer stays unattributed until then. -#}

with

currencies as (

    select * from {{ ref('currencies') }}

),

source as (

    {{ current_rows(source('reference', 'customers')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        {{ clean_text('source.customer_id') }} as customer_id,
        {{ clean_text('source.customer_name') }} as customer_name,
        upper({{ clean_text('source.country_code') }}) as country_code,
        upper({{ clean_text('source.currency_code') }}) as currency_code,
        {{ clean_text('source.price_list_id') }} as price_list_id,
        {{ clean_text('source.language_code') }} as language_code,

    from source

),

validated as (

    select
        renamed.*,
        {{ quarantine_detail([
            check_present('customer_id', 'renamed.customer_id'),
            check_present('customer_name', 'renamed.customer_name'),
            check_present('country_code', 'renamed.country_code'),
            check_present('price_list_id', 'renamed.price_list_id'),
            check_present('currency_code', 'renamed.currency_code'),
            check_rule(
                'renamed.currency_code is not null and currencies.currency_code is null',
                "'currency_code=''' || renamed.currency_code || ''' is not a declared currency'"
            ),
            check_rule(
                'renamed.customer_id is not null and count(*) over (partition by renamed.customer_id) > 1',
                "'customer_id=''' || renamed.customer_id || ''' appears on more than one row'"
            ),
        ]) }} as quarantine_detail,

    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        customer_id,
        customer_name,
        country_code,
        currency_code,
        price_list_id,
        language_code,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
