"""Customer-facing pages: thin adapters over destek.portal.adapters and tickets selectors."""
