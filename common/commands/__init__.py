"""Commands of the ``shop`` CLI, one module per concern."""
