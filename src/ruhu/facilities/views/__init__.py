"""Pages of the facilities domain: the phone's day and check (field); the office's
registry, schedule, record cards, checks and repairs (registry, schedule, detail, checks,
repairs, with the rows they show in rows); and the registry import (importing)."""
