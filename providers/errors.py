"""Errors at the gateway boundary.

    ProviderError
    ├── WebhookRejected          the webhook must not be accepted
    │   ├── WebhookUnauthorized  401: no signature / secret where one is required
    │   ├── WebhookForbidden     403: a signature or secret that does not match
    │   └── MalformedWebhook     400: a body the gateway would never send
    └── GatewayError             sending failed
        ├── RetryableGatewayError   timeouts, connection errors, 5xx, 429 (retry later)
        └── PermanentGatewayError   4xx, invalid number, bad token (dead-letter)
"""

from __future__ import annotations


class ProviderError(Exception):
    pass


class WebhookRejected(ProviderError):
    status = 400


class WebhookUnauthorized(WebhookRejected):
    status = 401


class WebhookForbidden(WebhookRejected):
    status = 403


class MalformedWebhook(WebhookRejected):
    status = 400


class GatewayError(ProviderError):
    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code  # the gateway's own error code, where it gives one


class RetryableGatewayError(GatewayError):
    def __init__(self, message: str, retry_after: float | None = None, *, code: int | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class PermanentGatewayError(GatewayError):
    pass
