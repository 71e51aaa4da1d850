"""Ingestion: corpus files -> paragraphs -> chunks -> index on disk."""
