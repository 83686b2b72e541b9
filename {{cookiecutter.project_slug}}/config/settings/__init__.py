"""Settings by environment: base.py is shared; local.py, test.py, production.py build on it."""
