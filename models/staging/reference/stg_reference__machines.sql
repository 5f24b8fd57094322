{#- A machine id on more than one row, or a meter shared by two dedicated machines, is
    quarantined on every such row: billing the meter's energy to either would be a guess.
    rated_power_w (optional column) is the most the machine can draw; energy implying more
    is an implausible reading, held rather than billed. -#}

with

sites as (

    select * from {{ ref('energy_sites') }}

),

source as (

    {{ current_rows(source('reference', 'machines')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        {{ clean_text('source.machine_id') }} as machine_id,
        {{ clean_text('source.site_id') }} as site_id,
        {{ clean_text('source.meter_id') }} as meter_id,
        lower({{ clean_text('source.billing_mode') }}) as billing_mode,
        {{ clean_text('source.rated_power_w') }} as rated_power_w_text,

    from source

),

validated as (

    select
        renamed.*,
        {{ parse_decimal('renamed.rated_power_w_text') }} as rated_power_w,
        {{ quarantine_detail([
            check_present('machine_id', 'renamed.machine_id'),
            check_present('site_id', 'renamed.site_id'),
            check_rule(
                'renamed.site_id is not null and sites.site_id is null',
                "'site_id=''' || renamed.site_id || ''' is not a declared energy site'"
            ),
            check_present('meter_id', 'renamed.meter_id'),
            check_rule(
                "renamed.billing_mode not in ('dedicated', 'shared')",
                "'billing_mode=''' || renamed.billing_mode || ''' is not dedicated or shared'"
            ),
            check_present('billing_mode', 'renamed.billing_mode'),
            check_parsed('rated_power_w', 'renamed.rated_power_w_text', parse_decimal('renamed.rated_power_w_text')),
            check_rule(
                parse_decimal('renamed.rated_power_w_text') ~ ' <= 0',
                "'rated_power_w=''' || renamed.rated_power_w_text || ''' is not positive'"
            ),
            check_rule(
                'renamed.machine_id is not null and count(*) over (partition by renamed.machine_id) > 1',
                "'machine_id=''' || renamed.machine_id || ''' appears on more than one row'"
            ),
            check_rule(
                "renamed.billing_mode = 'dedicated' and count(*) filter (where renamed.billing_mode = 'dedicated') over (partition by renamed.site_id, renamed.meter_id) > 1",
                "'meter_id=''' || renamed.meter_id || ''' measures more than one dedicated machine'"
            ),
        ]) }} as quarantine_detail,

    from renamed
    left join sites
        on renamed.site_id = sites.site_id

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        machine_id,
        site_id,
        meter_id,
        billing_mode,
        rated_power_w,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
