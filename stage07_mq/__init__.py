"""Stage 07: a message queue between placing an order and fulfilling it (README.md)."""
