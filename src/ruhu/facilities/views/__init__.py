"""Pages of the facilities domain: the phone's day and check (field), the registry,
schedule, record cards and repairs (office), and the registry import (importing)."""
