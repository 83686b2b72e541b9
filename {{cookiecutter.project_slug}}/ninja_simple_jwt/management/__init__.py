"""Management commands of ninja_simple_jwt."""
