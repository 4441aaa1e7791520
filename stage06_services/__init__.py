"""Stage 06: the business split into services (see README.md)."""
