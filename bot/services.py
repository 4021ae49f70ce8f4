"""The long-lived objects of one running service, shared by its parts."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ispbot.clock import Clock
from ispbot.config import Settings
from ispbot.messages import Messages
from ispbot.metrics import Metrics
from ispbot.providers.base import Provider
from ispbot.storage.database import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    messages: Messages
    providers: dict[str, Provider]
    http: httpx.AsyncClient
    metrics: Metrics

    def provider_for(self, name: str) -> Provider:
        """The gateway a reply goes out through: the one the customer wrote to, or the
        configured one when that gateway has since been switched off."""
        return self.providers.get(name) or self.providers[self.settings.provider.value]
