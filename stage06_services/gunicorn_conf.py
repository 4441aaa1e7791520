"""gunicorn settings of every Python process of stage06, web nodes and services alike
(`--config python:stage06_services.gunicorn_conf`); workers and threads are on each command
line, where compose.yaml shows them.

* gthread workers keep connections open (keepalive longer than nginx's upstream idle
  timeout and the RPC client's pool), so neither nginx nor a calling service pays a TCP
  handshake per request;
* every access log line ends with the request id (X-Request-ID, made by the gateway and
  passed on by every hop), so `grep rid=<id> .run/stage06_services/logs/*` follows one
  customer request through every process it touched;
* a response leaves in one write (stage04's lesson, common/web/gunicorn_conf.py): a killed
  process never leaves a caller holding half an answer.
"""

from __future__ import annotations

from common.web.gunicorn_conf import on_starting

worker_class = "gthread"
keepalive = 75
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}i)s'
limit_request_line = 8190  # batch reads carry up to 500 ids in the URL (gunicorn's maximum)

__all__ = [
    "access_log_format",
    "accesslog",
    "keepalive",
    "limit_request_line",
    "on_starting",
    "worker_class",
]
