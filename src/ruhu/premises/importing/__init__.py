"""Bulk import of households from the billing system's CSV/XLSX exports (docs/import.md):
their columns, the checks of their rows, and the set-based writes into the household table.
Reading files, the error report and the import job are common/importing's."""

HOUSEHOLD_IMPORT = "household"  # the kind of the household import's jobs
