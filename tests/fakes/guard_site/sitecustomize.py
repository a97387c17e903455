"""Put on PYTHONPATH (with the repository) for a process the tests start: it and every
Python process it starts in turn (render workers) can reach nothing beyond 127.0.0.1."""

from tests.fakes import network_guard

network_guard.install()
