"""Backlog probes of asynchronous servers (see common/bench/backlog.py)."""
