"""gunicorn settings of stage04's app nodes (`--config python:stage04_cluster.gunicorn_conf`):
a response leaves a node in one write. Shared by every clustered stage, so it lives in
common/web/gunicorn_conf.py; this name stays for stage04's compose file."""

from common.web.gunicorn_conf import on_starting

__all__ = ["on_starting"]
