{{ config(meta={"dagster": {"ref": {"name": "int_rate_card_versions__checked"}}}) }}
-- A price list or charge version that billed a closed period is never edited: each failing
-- row names the version and says what to do (see its `problem`).
select
    policy_kind,
    policy_id,
    version,
    first_closed_period,
    problem,
from {{ ref('int_rate_card_versions__checked') }}
where problem is not null
