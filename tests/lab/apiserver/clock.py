"""Timestamps as the API server writes them."""

import datetime


def now():
    """RFC 3339 UTC with second precision, the format of metadata.creationTimestamp."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
