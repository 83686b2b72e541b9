"""Settings split by environment: base.py is shared; local.py, test.py and production.py build on it."""
