"""Management commands of ninja_simple_jwt (``make_jwt_key``, alias ``make_rsa``;
``clear_jwt_sessions``)."""
