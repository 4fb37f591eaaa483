"""Answering or resolving all the tickets linked to an incident, in batches
(destek.status.linked_replies, where the task is defined beside what it runs)."""

from destek.status.linked_replies import send_linked_reply

__all__ = ["send_linked_reply"]
