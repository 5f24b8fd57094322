"""Accounting import layouts: Xero sales invoices and QuickBooks Online invoices.

Column names and order follow each vendor's published import template (see docs/finance.md
for the sources and how they were checked). Each layout maps a column to a SQL expression
over `export_lines` (`l`) joined to `export_documents` (`d`); text goes through `safe_text`,
amounts through `amount_text` (exact, from minor units) and stay numeric.

Lines carry their real quantity (in the pricing unit) and unit amount (in the invoice
currency) where the accounting system, recomputing quantity x unit amount with its own
rounding (4 decimals on both, the line amount to the currency's minor units), gets back the
ledger's net amount (`tool_quantity`/`tool_unit_amount`, set in int_document_lines__exportable).
Any other line goes out as quantity 1 at its net amount, as re-multiplying there could move a
cent; its description still states the quantity, unit and price.
"""

from __future__ import annotations

# The line's real quantity and unit amount where the tool recomputes its amount exactly, else
# quantity 1 at the net amount.
QUANTITY = "coalesce(plain_number(l.tool_quantity), '1')"
UNIT_AMOUNT = "coalesce(plain_number(l.tool_unit_amount), amount_text(l.net_amount_minor, d.minor_units))"

# Xero "Import invoices" sales template; `*` marks the columns Xero requires.
XERO_COLUMNS: list[tuple[str, str]] = [
    ("*ContactName", "safe_text(d.customer_name)"),
    ("EmailAddress", "null"),
    ("POAddressLine1", "null"),
    ("POAddressLine2", "null"),
    ("POAddressLine3", "null"),
    ("POAddressLine4", "null"),
    ("POCity", "null"),
    ("PORegion", "null"),
    ("POPostalCode", "null"),
    ("POCountry", "safe_text(d.country_code)"),
    ("*InvoiceNumber", "safe_text(d.invoice_number)"),
    # The payment reference customers quote when paying (a credit note quotes its original).
    (
        "Reference",
        "safe_text(coalesce((select r.payment_reference from ledger.payment_references as r "
        "where r.invoice_number = d.invoice_number), d.original_invoice_number, d.draft_invoice_id))",
    ),
    ("*InvoiceDate", "strftime(d.issue_date, '{date_format}')"),
    ("*DueDate", "strftime(d.due_date, '{date_format}')"),
    ("InventoryItemCode", "safe_text(l.sku_id)"),
    ("*Description", "safe_text(l.description)"),
    ("*Quantity", QUANTITY),
    ("*UnitAmount", UNIT_AMOUNT),
    ("Discount", "null"),
    ("*AccountCode", "safe_text(l.revenue_account_code)"),
    ("*TaxType", "safe_text(l.xero_tax_type)"),
    ("TrackingName1", "'Billing period'"),
    ("TrackingOption1", "d.billing_period"),
    ("TrackingName2", "'Issuing entity'"),
    ("TrackingOption2", "safe_text(d.issuing_entity_id)"),
    ("Currency", "d.currency_code"),
    ("BrandingTheme", "null"),
]
XERO_REQUIRED = [name for name, _ in XERO_COLUMNS if name.startswith("*")]
XERO_MAX_INVOICES_PER_FILE = 500

# QuickBooks Online "Import invoices" sample file columns (InvoiceNo, Customer, InvoiceDate,
# DueDate and ItemAmount are required by the importer).
QBO_COLUMNS: list[tuple[str, str]] = [
    ("InvoiceNo", "safe_text(d.invoice_number)"),
    ("Customer", "safe_text(d.customer_name)"),
    ("InvoiceDate", "strftime(d.issue_date, '{date_format}')"),
    ("DueDate", "strftime(d.due_date, '{date_format}')"),
    ("Terms", "safe_text(d.default_terms)"),
    ("Location", "safe_text(d.issuing_entity_id)"),
    ("Memo", "safe_text(d.memo)"),
    ("Item(Product/Service)", "safe_text(l.sku_id)"),
    ("ItemDescription", "safe_text(l.description)"),
    ("ItemQuantity", QUANTITY),
    ("ItemRate", UNIT_AMOUNT),
    ("ItemAmount", "amount_text(l.net_amount_minor, d.minor_units)"),
    ("ItemTaxCode", "safe_text(l.qbo_tax_code)"),
    ("ItemTaxAmount", "amount_text(l.tax_amount_minor, d.minor_units)"),
    ("Currency", "d.currency_code"),
    ("Service Date", "strftime(last_day(cast(d.billing_period || '-01' as date)), '{date_format}')"),
]
QBO_REQUIRED = ["InvoiceNo", "Customer", "InvoiceDate", "DueDate", "ItemAmount"]


def credit_note_layout(
    columns: list[tuple[str, str]], renamed: dict[str, str], dropped: set[str]
) -> list[tuple[str, str]]:
    """A credit-note import derived from its invoice import: the credit note's number and date
    columns renamed, the due date dropped, and amounts positive (the ledger stores a credit
    note's lines negative, quantities too; the accounting system credits the customer itself)."""
    return [
        (
            renamed.get(name, name),
            expression.replace("l.net_amount_minor", "-l.net_amount_minor")
            .replace("l.tax_amount_minor", "-l.tax_amount_minor")
            .replace("l.tool_quantity", "-l.tool_quantity"),
        )
        for name, expression in columns
        if name not in dropped
    ]


# Xero's credit-note import (Credit notes > Import): the invoice template with *CreditNoteNumber
# and *CreditNoteDate in place of the invoice's number and date, no due date, positive amounts.
XERO_CREDIT_NOTE_COLUMNS = credit_note_layout(
    XERO_COLUMNS, {"*InvoiceNumber": "*CreditNoteNumber", "*InvoiceDate": "*CreditNoteDate"}, {"*DueDate"}
)
# QuickBooks Online's credit-note import (Import data > Credit notes), mapped column by column
# in its import step: the invoice columns with the credit note's number and date, no due date
# or terms, positive amounts.
QBO_CREDIT_NOTE_COLUMNS = credit_note_layout(
    QBO_COLUMNS, {"InvoiceNo": "CreditNoteNo", "InvoiceDate": "CreditNoteDate"}, {"DueDate", "Terms"}
)


def layout_select(columns: list[tuple[str, str]], where: str, date_format: str) -> str:
    """One row per invoice line, the invoice number repeated, in document and line order.

    `date_format` is the organisation's strftime pattern (DuckDB needs it as a constant).
    """
    if "'" in date_format:
        raise ValueError(f"date format {date_format!r} may not contain a quote")
    selected = ", ".join(
        f'{expression.replace("{date_format}", date_format)} as "{name}"' for name, expression in columns
    )
    return f"""
        select {selected}
        from export_lines as l
        inner join (
            select *, concat_ws(' / ',
                (select string_agg(distinct x.legal_mention, ' / ' order by x.legal_mention)
                 from export_lines as x where x.invoice_number = doc.invoice_number),
                doc.document_title || ' ' || doc.original_invoice_number
            ) as memo
            from export_documents as doc
        ) as d on l.invoice_number = d.invoice_number
        where {where}
        order by d.invoice_number, l.line_number
    """
