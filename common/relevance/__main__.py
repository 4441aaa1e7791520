"""`python -m common.relevance --url http://127.0.0.1:9200`: see cli.py."""

from common.relevance.cli import evaluate_command

evaluate_command(prog_name="python -m common.relevance")
