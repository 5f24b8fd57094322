"""Every table the Python side creates: the file registry, the raw tables and the ledger.

dbt owns the models; these are the tables Python writes into. Each `ensure_*` is idempotent
(`create ... if not exists`), so any entry point can call them before its first write.
"""

from __future__ import annotations

import duckdb

from orchestration.ingest.layouts import RAW_TABLES, declared_columns
from orchestration.receivables.payment_references import create_reference_macros

METADATA_COLUMNS = ("_source_file", "_source_row", "_file_sha256", "_source_id", "_loaded_at")

REGISTRY_DDL = """
create schema if not exists raw;
create table if not exists raw.file_registry (
    source_file varchar not null,
    file_sha256 varchar not null,
    source_kind varchar,
    source_id varchar,
    raw_table varchar,
    row_count bigint,
    file_version integer not null,
    is_current boolean not null,
    status varchar not null,
    error varchar,
    first_seen_at timestamp not null,
    first_event_date date,
    last_event_date date,
    ingested_for_period varchar,
    primary key (source_file, file_sha256)
);
-- A registry written before files had spans gains them empty: its files' spans are unknown,
-- so every run reads them, as every run did when they were loaded.
alter table raw.file_registry add column if not exists first_event_date date;
alter table raw.file_registry add column if not exists last_event_date date;
-- The billing period whose run loaded the file: that run reads it whatever its span, so a file
-- of another month's dates dropped for this month is still accounted for (conservation).
alter table raw.file_registry add column if not exists ingested_for_period varchar;
"""

LEDGER_DDL = """
create schema if not exists ledger;
create table if not exists ledger.closes (
    close_id varchar primary key,
    billing_period varchar not null unique,
    closed_at timestamptz not null,
    closed_by varchar not null,
    run_id varchar not null,
    code_version varchar not null,
    dbt_project_sha256 varchar not null,
    content_sha256 varchar not null,
    rate_card_versions varchar not null,
    gate_results varchar not null,
    document_count integer not null,
    waiver_count integer not null
);
create table if not exists ledger.rate_card_versions (
    policy_kind varchar not null,
    policy_id varchar not null,
    version integer not null,
    fingerprint varchar not null,
    first_closed_period varchar not null,
    close_id varchar not null,
    primary key (policy_kind, policy_id, version)
);
create table if not exists ledger.invoices (
    invoice_number varchar primary key,
    document_type varchar not null,
    billing_period varchar not null,
    issuing_entity_id varchar not null,
    series_year integer not null,
    sequence_number integer not null,
    draft_invoice_id varchar,
    customer_id varchar not null,
    customer_name varchar,
    country_code varchar,
    language_code varchar not null,
    currency_code varchar not null,
    minor_units integer not null,
    net_amount_minor bigint not null,
    tax_amount_minor bigint not null,
    gross_amount_minor bigint not null,
    issue_date date not null,
    due_date date not null,
    original_invoice_number varchar,
    related_invoice_number varchar,
    reason_code varchar,
    reason_text varchar,
    approval_reasons varchar not null,
    issued_by varchar not null,
    issued_at timestamptz not null,
    unique (issuing_entity_id, series_year, sequence_number)
);
create table if not exists ledger.invoice_lines (
    invoice_line_id varchar primary key,
    invoice_number varchar not null,
    line_number integer not null,
    draft_invoice_line_id varchar,
    line_type varchar not null,
    sku_id varchar not null,
    price_list_id varchar,
    price_list_version integer,
    pricing_unit varchar,
    base_unit varchar,
    base_units_per_pricing_unit bigint,
    quantity_base decimal(38, 6) not null,
    quantity decimal(38, 6) not null,
    unit_price decimal(18, 6),
    net_amount_minor bigint not null,
    tax_rate decimal(9, 6),
    tax_amount_minor bigint not null,
    tax_rule_id varchar,
    tax_treatment varchar,
    legal_mention_code varchar,
    is_estimated boolean not null,
    usage_line_count bigint not null,
    original_invoice_line_id varchar,
    adjustment_reason_code varchar
);
-- The price's currency and the FX rate of a converted line (a warehouse created before they
-- were kept gains them empty).
alter table ledger.invoice_lines add column if not exists price_currency_code varchar;
alter table ledger.invoice_lines add column if not exists fx_rate decimal(18, 6);
alter table ledger.invoice_lines add column if not exists fx_rate_date date;
create table if not exists ledger.evidence (
    invoice_line_id varchar not null,
    source_kind varchar,
    source_file varchar,
    file_sha256 varchar,
    usage_rows bigint not null,
    quantity_base decimal(38, 6) not null,
    first_usage_at timestamptz,
    last_usage_at timestamptz
);
-- Where and on what each line's usage was measured: the site or cluster, and the machine,
-- namespace or Slurm account (a warehouse created before they were kept gains them empty).
alter table ledger.evidence add column if not exists source_id varchar;
alter table ledger.evidence add column if not exists subject_type varchar;
alter table ledger.evidence add column if not exists subject_id varchar;
create table if not exists ledger.waivers (
    waiver_id varchar primary key,
    billing_period varchar not null,
    exception_id varchar not null,
    reason_code varchar not null,
    waived_by varchar not null,
    why varchar not null,
    waived_at timestamptz not null
);
create table if not exists ledger.approvals (
    approval_id varchar primary key,
    invoice_number varchar not null,
    approved_by varchar not null,
    note varchar,
    approved_at timestamptz not null
);
create table if not exists ledger.adjustments (
    adjustment_id varchar primary key,
    source_period varchar not null,
    target_period varchar not null,
    customer_id varchar not null,
    original_invoice_number varchar,
    original_invoice_line_id varchar,
    draft_invoice_line_id varchar not null,
    reason_code varchar not null,
    why varchar not null,
    quantity_base_delta decimal(38, 6) not null,
    net_amount_minor_delta bigint not null,
    tax_amount_minor_delta bigint not null,
    note_invoice_number varchar not null,
    note_invoice_line_id varchar not null,
    created_by varchar not null,
    created_at timestamptz not null
);
create table if not exists ledger.voids (
    invoice_number varchar primary key,
    credit_note_number varchar not null,
    replacement_number varchar not null,
    voided_by varchar not null,
    why varchar not null,
    voided_at timestamptz not null
);
-- Tamper evidence: one hash per frozen document and line at close, and each close's hash
-- chained to the previous close's (orchestration/close/verify.py).
create table if not exists ledger.close_fingerprints (
    close_id varchar not null,
    billing_period varchar not null,
    invoice_number varchar not null,
    invoice_line_id varchar,
    row_sha256 varchar not null
);
create table if not exists ledger.close_chain (
    close_id varchar primary key,
    billing_period varchar not null,
    previous_chain_sha256 varchar not null,
    chain_sha256 varchar not null
);
create table if not exists ledger.audit_log (
    event_id varchar primary key,
    event_at timestamptz not null,
    actor varchar not null,
    action varchar not null,
    billing_period varchar,
    subject varchar,
    detail varchar not null
);
"""


# The period's vendor costs in FOCUS terms, frozen at close from marts.fct_focus_costs (a later
# run of a closed period replaces its mart rows; the FOCUS export must not follow them), and one
# row per close with the frozen rows' count and hash (orchestration/close/focus_costs.py).
FOCUS_LEDGER_DDL = """
create table if not exists ledger.focus_costs (
    close_id varchar not null,
    vendor_charge_line_id varchar not null,
    billing_period varchar not null,
    vendor_id varchar not null,
    source_kind varchar,
    source_file varchar,
    source_row bigint,
    line_number_in_row bigint,
    site_id varchar,
    billed_cost decimal(38, 6) not null,
    effective_cost decimal(38, 6) not null,
    list_cost decimal(38, 6) not null,
    contracted_cost decimal(38, 6) not null,
    billing_currency varchar not null,
    billing_account_id varchar not null,
    billing_account_name varchar not null,
    billing_account_type varchar,
    sub_account_id varchar,
    sub_account_name varchar,
    sub_account_type varchar,
    billing_period_start_at timestamp not null,
    billing_period_end_at timestamp not null,
    charge_period_start_at timestamp not null,
    charge_period_end_at timestamp not null,
    charge_category varchar not null,
    charge_class varchar,
    charge_description varchar,
    charge_frequency varchar,
    provider_name varchar not null,
    publisher_name varchar not null,
    invoice_issuer_name varchar not null,
    invoice_id varchar,
    service_name varchar not null,
    service_category varchar not null,
    service_subcategory varchar not null,
    resource_id varchar,
    resource_name varchar,
    region_id varchar,
    region_name varchar,
    sku_id varchar,
    sku_price_id varchar,
    pricing_category varchar,
    pricing_quantity decimal(38, 6),
    pricing_unit varchar,
    list_unit_price decimal(38, 6),
    contracted_unit_price decimal(38, 6),
    consumed_quantity decimal(38, 6),
    consumed_unit varchar,
    commitment_discount_id varchar,
    commitment_discount_name varchar,
    commitment_discount_category varchar,
    commitment_discount_type varchar,
    commitment_discount_status varchar,
    tags varchar,
    primary key (close_id, vendor_charge_line_id)
);
create table if not exists ledger.focus_cost_freezes (
    billing_period varchar primary key,
    close_id varchar not null,
    row_count bigint not null,
    content_sha256 varchar not null
);
"""


def ensure_registry(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(REGISTRY_DDL)


# Receivables' own ledger tables: each document's payment reference and the money applied to it.
RECEIVABLES_LEDGER_DDL = """
create table if not exists ledger.payment_references (
    invoice_number varchar primary key,
    issuing_entity_id varchar not null,
    scheme varchar not null,
    payment_reference varchar not null,
    issued_at timestamptz not null,
    unique (issuing_entity_id, payment_reference)
);
-- Money applied to a document: a bank credit entry (`payment`) or a credit note. Rows are
-- never edited; an allocation is undone by a row of the opposite amount that names it in
-- `reverses_allocation_id` (orchestration/receivables/allocations.py).
create table if not exists ledger.allocations (
    allocation_id varchar primary key,
    allocation_key varchar not null,
    allocation_kind varchar not null,
    source_reference varchar not null,
    invoice_number varchar not null,
    issuing_entity_id varchar not null,
    customer_id varchar not null,
    currency_code varchar not null,
    amount_minor bigint not null,
    match_rule varchar not null,
    value_date date not null,
    reverses_allocation_id varchar,
    recorded_by varchar not null,
    recorded_at timestamptz not null
);
-- Disputes of a document: `opened` pauses its dunning from `effective_date`, `resolved` ends
-- the pause (orchestration/receivables/disputes.py). Never edited; the last row as of a date
-- says whether the document is disputed then.
create table if not exists ledger.disputes (
    dispute_event_id varchar primary key,
    invoice_number varchar not null,
    action varchar not null,
    effective_date date not null,
    reason varchar not null,
    recorded_by varchar not null,
    recorded_at timestamptz not null
);
-- Each document's dunning stage as dunning evaluations moved it (orchestration/receivables/
-- dunning.py): a row per change only, from `from_stage` to `to_stage` (`none` before the first
-- stage and once cleared), with the rule that moved it. Never edited.
create table if not exists ledger.dunning_stage_changes (
    change_id varchar primary key,
    as_of_date date not null,
    invoice_number varchar not null,
    issuing_entity_id varchar not null,
    customer_id varchar not null,
    currency_code varchar not null,
    due_date date not null,
    from_stage varchar not null,
    to_stage varchar not null,
    open_minor bigint not null,
    days_past_due integer not null,
    rule varchar not null,
    reason varchar not null,
    recorded_by varchar not null,
    recorded_at timestamptz not null
);
-- The cash journal (orchestration/receivables/cash_journal.py): two balanced lines per money
-- event, appended once by the dunning evaluation of the date that first saw it (its batch):
-- a customer credit received (bank / unapplied cash), returned (the reverse), applied to a
-- document or un-applied by a reversal (unapplied cash / receivable), written off (write-off
-- expense / receivable). `settlement_account_code` is the account an accounting tool records
-- a payment from (the bank's, or the write-off's). Never edited.
create table if not exists ledger.cash_journal (
    journal_id varchar not null,
    journal_line integer not null,
    batch_id varchar not null,
    journal_date date not null,
    event_kind varchar not null,
    source_reference varchar not null,
    invoice_number varchar,
    issuing_entity_id varchar not null,
    customer_id varchar,
    bank_account_id varchar,
    currency_code varchar not null,
    account_role varchar not null,
    account_code varchar not null,
    account_name varchar not null,
    debit_minor bigint not null,
    credit_minor bigint not null,
    settlement_account_code varchar,
    recorded_by varchar not null,
    recorded_at timestamptz not null,
    primary key (journal_id, journal_line)
);
"""


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LEDGER_DDL)
    con.execute(FOCUS_LEDGER_DDL)
    con.execute(RECEIVABLES_LEDGER_DDL)
    create_reference_macros(con)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every declared raw table, so staging runs even before a source's first file."""
    types = {"_source_row": "bigint", "_loaded_at": "timestamp"}
    for table in RAW_TABLES:
        if table == "file_registry":
            continue
        columns = (*declared_columns(table), *METADATA_COLUMNS)
        body = ", ".join(f'"{c}" {types.get(c, "varchar")}' for c in columns)
        con.execute(f"create table if not exists raw.{table} ({body})")
        # A warehouse created before a column was declared (e.g. `_layout`) gains it empty.
        existing = {
            row[0].lower()
            for row in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                "and table_name = ?",
                [table],
            ).fetchall()
        }
        for column in columns:
            if column.lower() not in existing:
                con.execute(f'alter table raw.{table} add column "{column}" {types.get(column, "varchar")}')


def prepare_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Registry, raw tables and ledger; the ledger exists from the first load because models
    check policy edits against it."""
    ensure_registry(con)
    ensure_raw_tables(con)
    ensure_ledger(con)
