"""Evaluation: curated questions, deterministic metrics, baselines and a regression gate."""
