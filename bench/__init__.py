"""Benchmarks and load tests (issue 7): realistic volume, page timings, a locust load test
against gunicorn, the ceiling of a trivial view, and decision-letter PDFs. Installed only by
``bench.settings``; see ``bench/README.md``."""
