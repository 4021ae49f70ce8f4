"""The conversations: one module per conversation, each reading like the chat it runs."""
