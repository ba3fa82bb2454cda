"""Kinora conformance suite driven by jellyfin-apiclient-python (see conformance-tests/README.md)."""
