"""The append-only `ledger` schema and the guards that keep closed periods untouched."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from orchestration.wiring.periods import period_bounds

DDL = """
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


class ClosedPeriodError(RuntimeError):
    """Raised when something would write into a period that is already closed."""


class LedgerError(RuntimeError):
    """A ledger command that cannot be carried out (unknown invoice, invalid reason...)."""


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def now() -> datetime:
    return datetime.now(UTC)


def is_closed(con: duckdb.DuckDBPyConnection, period: str) -> bool:
    row = con.execute("select count(*) from ledger.closes where billing_period = ?", [period]).fetchone()
    return bool(row and row[0])


def ensure_open(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """Every insert of documents or waivers for a period goes through this guard."""
    if is_closed(con, period):
        raise ClosedPeriodError(
            f"period {period} is closed; corrections go to the next open period as adjustments"
        )


def next_period(period: str) -> str:
    return period_bounds(period)[1].strftime("%Y-%m")


def next_open_period(con: duckdb.DuckDBPyConnection, period: str) -> str:
    """The first period after `period` that is not closed (where corrections are issued)."""
    candidate = next_period(period)
    while is_closed(con, candidate):
        candidate = next_period(candidate)
    return candidate


def next_id(con: duckdb.DuckDBPyConnection, table: str, prefix: str) -> str:
    """Sequential ids per table (`<prefix>-000001`); the ledger is single-writer (DuckDB)."""
    row = con.execute(f"select count(*) from ledger.{table}").fetchone()
    return f"{prefix}-{(row[0] if row else 0) + 1:06d}"


def audit(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    period: str | None,
    subject: str | None,
    detail: dict[str, object],
) -> None:
    con.execute(
        "insert into ledger.audit_log values (?, ?, ?, ?, ?, ?, ?)",
        [
            next_id(con, "audit_log", "EVT"),
            now(),
            actor,
            action,
            period,
            subject,
            json.dumps(detail, sort_keys=True, default=str),
        ],
    )
