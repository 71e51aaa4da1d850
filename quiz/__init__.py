"""Trainer quizzes from the paragraph index: generated without an LLM, checked, exported."""
