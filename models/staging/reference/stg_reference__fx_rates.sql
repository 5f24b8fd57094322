{#-
    Daily FX rates (reference data, every current fx_rates file): typed, and quarantined with
    the column and value when a date, a currency or the rate is not usable. A rate must be a
    positive plain decimal of at most 6 places (so conversion stays exact), and one date and
    pair must have one rate: rows that contradict each other are all quarantined, so the
    usage they would convert becomes `fx_rate_missing` instead of a guess. A row repeated
    verbatim (the same rate, e.g. in two files) is kept.
-#}

with

source as (

    {{ current_rows(source('reference', 'fx_rates')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        {{ clean_text('source.rate_date') }} as rate_date_text,
        upper({{ clean_text('source.base_currency') }}) as base_currency,
        upper({{ clean_text('source.quote_currency') }}) as quote_currency,
        {{ clean_text('source.rate') }} as rate_text,
        lower({{ clean_text('source.source') }}) as rate_source,

    from source

),

typed as (

    select
        *,
        cast(try_strptime(rate_date_text, '%Y-%m-%d') as date) as rate_date,
        case
            when regexp_full_match(rate_date_text, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
                and regexp_full_match(rate_text, '[0-9]+(\.[0-9]{1,6})?')
                then try_cast(rate_text as decimal(18, 6))
        end as rate,

    from renamed

),

conflicts as (

    select
        *,
        count(distinct rate) over (partition by rate_date, base_currency, quote_currency) as rates_for_key,

    from typed

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_present('rate_date', 'rate_date_text'),
            check_parsed('rate_date', 'rate_date_text', 'rate_date'),
            check_present('base_currency', 'base_currency'),
            check_rule(
                "not regexp_full_match(base_currency, '[A-Z]{3}')",
                "'base_currency=''' || base_currency || ''' is not an ISO 4217 code'"
            ),
            check_present('quote_currency', 'quote_currency'),
            check_rule(
                "not regexp_full_match(quote_currency, '[A-Z]{3}')",
                "'quote_currency=''' || quote_currency || ''' is not an ISO 4217 code'"
            ),
            check_present('rate', 'rate_text'),
            check_rule(
                "rate_text is not null and (rate is null or rate <= 0)",
                "'rate=''' || rate_text || ''' is not a positive decimal of at most 6 places'"
            ),
            check_present('source', 'rate_source'),
            check_rule(
                "rates_for_key > 1",
                "'rate=''' || rate_text || ''' contradicts another rate for ' || base_currency || '/'
                    || quote_currency || ' on ' || rate_date_text"
            ),
        ]) }} as quarantine_detail,

    from conflicts

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        rate_date,
        base_currency,
        quote_currency,
        cast(rate as decimal(18, 6)) as rate,
        rate_source,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
