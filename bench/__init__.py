"""Benchmarks and fault tests that run against the real stack.

``python -m bench`` starts Kafka and PostgreSQL in a temporary folder on free
ports, runs each benchmark against a fresh topic prefix and database, and writes
``bench/results/latest.json`` and ``latest.md``. ``python -m bench.faults NAME``
runs one fault test (or ``all``). See bench/README.md.
"""
