"""The privacy app's models; each feature keeps its own in its own module."""

from destek.privacy.export_models import ExportJob, ExportStatus

__all__ = ["ExportJob", "ExportStatus"]
