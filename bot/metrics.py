"""Prometheus metrics of one process (its own registry, so tests can run many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.webhooks = Counter(
            "ispbot_webhooks_received", "Webhooks received", ["provider", "result"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "ispbot_inbound_duplicates", "Inbound messages dropped as duplicates", ["provider"],
            registry=self.registry,
        )
        self.processing = Histogram(
            "ispbot_processing_seconds", "Webhook received to reply committed", ["provider"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.sent = Counter(
            "ispbot_outbox_sent", "Messages delivered to the gateway", ["provider"],
            registry=self.registry,
        )
        self.send_failures = Counter(
            "ispbot_outbox_send_failures", "Failed send attempts", ["provider", "kind"],
            registry=self.registry,
        )
        self.outbox = Gauge(
            "ispbot_outbox_messages", "Outbox rows by status", ["provider", "status"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
