"""ispbot: WhatsApp-first registration and self-service for Indonesian ISPs.

This package is the running service (``bot/`` in the repository): configuration, the app
factory, the webhook receiver, the dispatcher, the outbox sender, scheduled jobs and the CLI.
"""

__version__ = "0.1.0"
