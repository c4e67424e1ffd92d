"""A Kubernetes API server for the lab: storage (``Store``) and its HTTPS front end (``ApiServer``)."""

from .errors import ApiError
from .store import Store

__all__ = ["ApiError", "Store"]
