"""Which gateways this installation speaks to.

The configured gateway (ISPBOT_PROVIDER) is always on; another gateway is on when its
credentials are configured (so an ISP can move from Fonnte to the Cloud API without a
gap). The sandbox is on only when it is the configured gateway: in production nobody may
chat "as" another phone number.
"""

from __future__ import annotations

import importlib

import httpx

from ispbot.config import ProviderName, Settings
from ispbot.providers.base import Provider

_CLASSES: dict[ProviderName, str] = {
    ProviderName.SANDBOX: "ispbot.providers.sandbox:SandboxProvider",
    ProviderName.FONNTE: "ispbot.providers.fonnte:FonnteProvider",
    ProviderName.WABLAS: "ispbot.providers.wablas:WablasProvider",
    ProviderName.WOOWA: "ispbot.providers.woowa:WoowaProvider",
    ProviderName.CLOUDAPI: "ispbot.providers.cloudapi:CloudApiProvider",
    ProviderName.WAHA: "ispbot.providers.waha:WahaProvider",
    ProviderName.EVOLUTION: "ispbot.providers.evolution:EvolutionProvider",
}

_CREDENTIALS: dict[ProviderName, str] = {
    ProviderName.FONNTE: "fonnte_token",
    ProviderName.WABLAS: "wablas_token",
    ProviderName.WOOWA: "woowa_token",
    ProviderName.CLOUDAPI: "cloudapi_token",
    ProviderName.WAHA: "waha_api_key",
    ProviderName.EVOLUTION: "evolution_api_key",
}


def enabled_names(settings: Settings) -> list[ProviderName]:
    names = [settings.provider]
    for name, field in _CREDENTIALS.items():
        if name not in names and getattr(settings, field):
            names.append(name)
    return names


def provider_class(name: ProviderName) -> type[Provider]:
    module_name, class_name = _CLASSES[name].split(":")
    cls: type[Provider] = getattr(importlib.import_module(module_name), class_name)
    return cls


def build_providers(settings: Settings, client: httpx.AsyncClient) -> dict[str, Provider]:
    return {
        name.value: provider_class(name)(settings, client)  # type: ignore[call-arg]
        for name in enabled_names(settings)
    }
