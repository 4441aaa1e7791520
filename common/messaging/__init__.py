"""RabbitMQ between placing an order and fulfilling it (stage07; docs/architecture.md §7).

One module, one job:

* ``envelope``    a domain event as a message (routing key, JSON body, properties) and back;
* ``topology``    the exchange, the consumers' queues, their retry queues and dead letters;
* ``connection``  opening a connection and a confirming channel with the topology declared;
* ``relay``       the outbox relay: committed events to the broker, with publisher confirms;
* ``retries``     where a failed message goes next: a retry queue with a delay, or the DLQ;
* ``consumer``    a queue consumer: manual acks after the effect, bounded prefetch, retries;
* ``dead_letters`` listing, inspecting and replaying dead letters (``shop mq dead-letters``);
* ``worker``      running a relay or a consumer as a process (signals, reconnects, logging).

The outbox table and the processed-message record live with the other SQL adapters
(``common/adapters/sql/outbox.py``, ``processed.py``).
"""
