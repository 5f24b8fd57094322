{#-
    Every policy version already used to bill a closed period
    (ledger.rate_card_versions, recorded by the close), checked against its current fingerprint. A
    version whose rows were edited (or deleted) since has a `problem`: re-rating its closed
    period would no longer reproduce the invoice, so the singular test
    assert_used_rate_card_versions_are_unchanged fails and names it. Changes go in a new
    version instead.
-#}

with

used as (

    select * from {{ ref('stg_ledger__rate_card_versions') }}

),

current_versions as (

    select * from {{ ref('int_rate_card_versions__fingerprinted') }}

),

final as (

    select
        used.policy_kind,
        used.policy_id,
        cast(used.version as integer) as version,
        used.first_closed_period,
        used.fingerprint as recorded_fingerprint,
        current_versions.fingerprint as current_fingerprint,
        case
            when current_versions.fingerprint is null
                then used.policy_kind || ' ' || used.policy_id || ' version ' || cast(used.version as varchar)
                    || ' billed closed period ' || used.first_closed_period
                    || ' and has been deleted; restore it and add a new version instead'
            when current_versions.fingerprint <> used.fingerprint
                then used.policy_kind || ' ' || used.policy_id || ' version ' || cast(used.version as varchar)
                    || ' billed closed period ' || used.first_closed_period
                    || ' and has been edited (fingerprint ' || current_versions.fingerprint
                    || ', recorded ' || used.fingerprint || '); revert the edit and add a new version instead'
        end as problem,
    from used
    left join current_versions
        on used.policy_kind = current_versions.policy_kind
            and used.policy_id = current_versions.policy_id
            and cast(used.version as integer) = current_versions.version

)

select * from final
