"""Tests of the auth app, apart from the project's own (``tests/`` at the project root)."""
