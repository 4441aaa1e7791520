"""Stage 08: a search engine for product search, fed by catalog events (README.md)."""
