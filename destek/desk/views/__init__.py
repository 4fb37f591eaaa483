"""The agent desk's views, one module per screen: thin adapters over selectors and services."""
