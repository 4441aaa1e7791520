"""Calls between the shop's services (stage06 on): the client side of HTTP/JSON RPC.

    client.py     ServiceClient: one downstream service, every call with a deadline, retries
                  of what is safe to retry, a circuit breaker, a bulkhead, round robin over
                  its instances
    policy.py     the numbers: timeouts, attempts, bulkhead sizes, breaker thresholds, the
                  retry budget, per downstream service
    bulkhead.py   a bounded number of calls in flight per downstream
    identity.py   the signed identity every call carries and every service verifies
    requestid.py  the request id that follows a request through every hop and log line
    wire.py       the shop's values as JSON on the wire, and errors back into domain errors

The server side (a service's Flask app) is ``common/serviceapp``; the adapters that turn
these calls into the shop's ports are ``common/adapters/http``.
"""
