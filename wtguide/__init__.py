"""wtguide: a grounded guidance assistant over Working Together to Safeguard Children."""

__version__ = "0.1.0"
