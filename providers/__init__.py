"""WhatsApp gateways: one module per gateway, each turning its webhook into neutral
messages (`ispbot.providers.messages`) and sending neutral messages through its API."""
