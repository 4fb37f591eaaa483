"""The privacy app's models, one module per feature."""

from destek.privacy.retention_models import RetentionPolicy

__all__ = ["RetentionPolicy"]
