"""Real-browser tests: Playwright driving Debian Chromium.

A package, so that its conftest does not shadow tests/conftest.py (``from conftest import ...``).
"""
