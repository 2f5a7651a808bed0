"""Django's SQLite backend with writers queued on a lock shared by every process and thread
(decision 0024): `ENGINE = "ruhu.common.sqlite_backend"`."""
