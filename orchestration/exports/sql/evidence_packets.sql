-- evidence/<invoice number>.json: per document, what rebuilds each line (rate, computation, usage files).
select
    d.invoice_number,
    to_json({
        'invoice_number': d.invoice_number,
        'document_type': d.document_type,
        'billing_period': d.billing_period,
        'issuing_entity_id': d.issuing_entity_id,
        'customer_id': d.customer_id,
        'currency_code': d.currency_code,
        'net_amount': amount_text(d.net_amount_minor, d.minor_units),
        'tax_amount': amount_text(d.tax_amount_minor, d.minor_units),
        'gross_amount': amount_text(d.gross_amount_minor, d.minor_units),
        'original_invoice_number': d.original_invoice_number,
        'close_content_sha256': d.close_content_sha256,
        'rounding': 'half-even, once per line, in integer minor units',
        'lines': (
            select list({
                'invoice_line_id': l.invoice_line_id,
                'draft_invoice_line_id': l.draft_invoice_line_id,
                'original_invoice_line_id': l.original_invoice_line_id,
                'sku_id': l.sku_id,
                'rate_card': {
                    'price_list_id': l.price_list_id,
                    'price_list_version': l.price_list_version,
                    'unit_price': cast(l.unit_price as varchar),
                    'pricing_unit': l.pricing_unit
                },
                'computation': {
                    'quantity_base': cast(l.quantity_base as varchar),
                    'base_unit': l.base_unit,
                    'base_units_per_pricing_unit': l.base_units_per_pricing_unit,
                    'net_amount_minor': l.net_amount_minor,
                    'net_formula': 'round_half_even(quantity_base * unit_price * 10^minor_units'
                        || ' / base_units_per_pricing_unit)',
                    'tax_rate': cast(l.tax_rate as varchar),
                    'tax_rule_id': l.tax_rule_id,
                    'tax_amount_minor': l.tax_amount_minor,
                    'tax_formula': 'round_half_even(net_amount_minor * tax_rate)'
                },
                'usage': (
                    select coalesce(list({
                        'source_kind': e.source_kind,
                        'source_file': e.source_file,
                        'file_sha256': e.file_sha256,
                        'source_id': e.source_id,
                        'subject_type': e.subject_type,
                        'subject_id': e.subject_id,
                        'usage_rows': e.usage_rows,
                        'quantity_base': cast(e.quantity_base as varchar),
                        'first_usage_at': strftime(e.first_usage_at, '%Y-%m-%dT%H:%M:%SZ'),
                        'last_usage_at': strftime(e.last_usage_at, '%Y-%m-%dT%H:%M:%SZ')
                    } order by e.source_file, e.source_id, e.subject_type, e.subject_id), [])
                    from ledger.evidence as e
                    where e.invoice_line_id = coalesce(l.original_invoice_line_id, l.invoice_line_id)
                ),
                'line_type': l.line_type,
                'rebuild_query': 'select * from intermediate.int_usage__sliced where invoice_line_id = '''
                    || coalesce(l.draft_invoice_line_id, '') || ''''
            } order by l.line_number)
            from export_lines as l where l.invoice_number = d.invoice_number
        )
    }) as packet
from export_documents as d order by d.invoice_number
