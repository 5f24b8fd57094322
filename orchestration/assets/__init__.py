"""Dagster assets: landing ingest, dbt models, and the invoice export."""
