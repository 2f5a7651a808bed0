"""What every file import shares (households in premises, the facility registry in
facilities): reading CSV and XLSX files as text cells with the line a person sees, the
checks of common cell kinds, the `(line, column, reason)` errors and their report file,
and the job that runs an uploaded file in the background with a progress bar.

Each import keeps its own columns, row checks and writes (docs/import.md,
docs/facilities-import.md).
"""
