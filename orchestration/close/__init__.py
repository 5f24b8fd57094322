"""Period close: frozen invoices with legal numbers, approvals, corrections and the audit trail.

The ledger lives in the warehouse's `ledger` schema and is append-only: rows are inserted,
never updated or deleted, and nothing is inserted into a period once it is closed.
"""
