"""The privacy app's models; each feature keeps its own in its own module."""

from destek.privacy.export_models import ExportJob, ExportStatus
from destek.privacy.retention_models import RetentionPolicy

__all__ = ["ExportJob", "ExportStatus", "RetentionPolicy"]
