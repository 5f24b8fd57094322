"""The ledger tables the dbt models read, as Dagster assets of the `ledger` group.

`ledger__period_close` writes them when a period closes; the models read what earlier
closes recorded (a policy version already billed must not change). They are observable
specs, not materialised by a job, so they carry no dependency on this period's close:
that would make the lineage a cycle.
"""

from dagster import AssetKey, AssetSpec

LEDGER_GROUP = "ledger"

LEDGER_SOURCES = [
    AssetSpec(
        AssetKey(["ledger", "closes"]),
        group_name=LEDGER_GROUP,
        kinds={"duckdb"},
        description=(
            "One row per closed billing period and when it closed: usage a closed period already "
            "billed is not raised again as late usage. Written by ledger/period_close."
        ),
    ),
    AssetSpec(
        AssetKey(["ledger", "rate_card_versions"]),
        group_name=LEDGER_GROUP,
        kinds={"duckdb"},
        description=(
            "One row per billing-policy version the first time a closed period used it, with the "
            "fingerprint of its seed rows at that close. Written by ledger/period_close."
        ),
    ),
]
