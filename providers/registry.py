"""Which gateways this installation speaks to.

The configured gateway (ISPBOT_PROVIDER) is always on; another gateway is on when its
credentials are configured (so an ISP can move from Fonnte to the Cloud API without a
gap). The sandbox is on only when it is the configured gateway and no real one is: in
production nobody may chat "as" another phone number.

`configuration_problems` is what `ispbot serve` refuses to start with: a real gateway
whose webhooks could not be authenticated (they would all be refused), or the sandbox
left configured beside a real gateway.
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


# What authenticates each real gateway's webhooks: any one of these settings.
_WEBHOOK_AUTH: dict[ProviderName, tuple[str, ...]] = {
    ProviderName.FONNTE: ("webhook_secret",),
    ProviderName.WABLAS: ("webhook_secret",),
    ProviderName.WOOWA: ("webhook_secret",),
    ProviderName.CLOUDAPI: ("cloudapi_app_secret",),
    ProviderName.WAHA: ("waha_hmac_key", "webhook_secret"),
    ProviderName.EVOLUTION: ("evolution_api_key", "webhook_secret"),
}


def enabled_names(settings: Settings) -> list[ProviderName]:
    names = [settings.provider]
    for name, field in _CREDENTIALS.items():
        if name not in names and getattr(settings, field):
            names.append(name)
    return names


def configuration_problems(settings: Settings) -> list[str]:
    """Why this configuration must not serve customers, one line per problem."""
    names = enabled_names(settings)
    real = [name for name in names if name is not ProviderName.SANDBOX]
    problems = []
    if settings.provider is ProviderName.SANDBOX and real:
        configured = ", ".join(f"ISPBOT_{_CREDENTIALS[name].upper()}" for name in real)
        problems.append(
            f"ISPBOT_PROVIDER is sandbox while {configured} is set: set ISPBOT_PROVIDER to the "
            "gateway customers write to (the sandbox lets anyone chat as any number)"
        )
    for name in real:
        fields = _WEBHOOK_AUTH[name]
        if not any(getattr(settings, field) for field in fields):
            needed = " or ".join(f"ISPBOT_{field.upper()}" for field in fields)
            problems.append(f"{name.value}: set {needed}; without it every webhook is refused")
    return problems


def provider_class(name: ProviderName) -> type[Provider]:
    module_name, class_name = _CLASSES[name].split(":")
    cls: type[Provider] = getattr(importlib.import_module(module_name), class_name)
    return cls


def build_providers(settings: Settings, client: httpx.AsyncClient) -> dict[str, Provider]:
    return {
        name.value: provider_class(name)(settings, client)  # type: ignore[call-arg]
        for name in enabled_names(settings)
    }
