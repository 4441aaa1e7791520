"""One blueprint factory per business service: parse, call the existing service or adapter of
``common/``, serialise with ``common/rpc/wire.py``. The paths and answers are documented in
``docs/services/<service>.yaml`` (checked by the contract tests)."""
