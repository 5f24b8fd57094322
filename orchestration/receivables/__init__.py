"""Getting paid: bank statements in, matched against issued invoices."""
