"""The ledger tables the dbt models read, as Dagster assets of the `ledger` group.

`ledger__period_close` writes them when a period closes (approvals and corrections add to
them later); the models read what the ledger recorded. They are observable specs, not
materialised by a job, so they carry no dependency on this period's close: that would make
the lineage a cycle.
"""

from dagster import AssetKey, AssetSpec

LEDGER_GROUP = "ledger"

# Table -> what it holds; each is keyed ledger/<table> (meta.dagster.asset_key of its dbt source).
LEDGER_TABLES = {
    "rate_card_versions": (
        "One row per billing-policy version the first time a closed period used it, with the "
        "fingerprint of its seed rows at that close. Written by ledger/period_close."
    ),
    "invoices": "Every issued document (invoice, credit or debit note), frozen at issue.",
    "invoice_lines": "Every line of an issued document, frozen at issue.",
    "approvals": "Approvals recorded for held documents (meterline approve).",
    "waivers": (
        "One row per blocking exception waived by `meterline close --waive-reason-code`, with who, "
        "why and when; fct_billing_exceptions shows it as the exception's decision."
    ),
    "closes": (
        "One row per closed billing period with its content hash and gate results; usage a "
        "closed period already billed is not raised again as late usage."
    ),
    "evidence": (
        "The usage files behind each frozen line, by site or cluster and machine, namespace or Slurm account."
    ),
    "payment_references": "The structured payment reference issued with each invoice and debit note.",
    "allocations": (
        "Money applied to documents (payments, credit notes, approved write-offs); append-only, "
        "reversed by new rows."
    ),
    "disputes": "Disputes opened and resolved on documents (meterline dispute); append-only.",
    "dunning_stage_changes": (
        "Every change of a document's dunning stage, with the rule that made it; append-only. "
        "Written by receivables/dunning (job daily_dunning, meterline dunning)."
    ),
}

LEDGER_SOURCES = [
    AssetSpec(AssetKey(["ledger", table]), group_name=LEDGER_GROUP, kinds={"duckdb"}, description=description)
    for table, description in LEDGER_TABLES.items()
]
