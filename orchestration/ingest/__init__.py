"""Load landing files verbatim into the raw schema (see docs/landing-contract.md)."""
