"""Finance exports of a closed period: accounting layouts, journal, evidence, dispute packs."""
