"""Retrieval and grounded answers over the index written by ``ingest``."""
