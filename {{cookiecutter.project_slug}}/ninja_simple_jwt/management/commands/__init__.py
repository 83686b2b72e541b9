"""Management commands of ninja_simple_jwt (``make_rsa``)."""
