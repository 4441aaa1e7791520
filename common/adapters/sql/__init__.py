"""SQL adapters (SQLAlchemy Core over PyMySQL for MariaDB, or the stdlib sqlite3)."""
