"""The fan-out of an incident update to everyone it concerns (destek.status.fanout)."""
