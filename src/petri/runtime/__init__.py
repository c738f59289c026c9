"""Durable execution: the task queue (``runtime.queue``) and, beside it, the event and state store.

The runtime knows nothing of programs or evolution: it moves opaque JSON payloads between
producers and workers with at-least-once delivery.
"""
