"""Customer documents (invoice, credit note, debit note) as HTML and PDF, from the frozen ledger."""
