"""Bulk import of households from the billing system's CSV/XLSX exports (docs/import.md)."""
