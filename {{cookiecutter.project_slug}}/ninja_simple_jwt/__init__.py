"""JWT authentication for django-ninja APIs, vendored: this is your code now.

Sign-in, token-refresh and sign-out routers for mobile and web clients, an account router
(sessions, password), the ``HttpJwtAuth`` bearer class that protects resources, server-side
sessions behind refresh tokens (rotation, reuse detection, revocation), and the ``make_jwt_key``
command that creates and rotates the signing keys (RS256, ES256 or EdDSA); key ids in every
token and a JWK Set at ``/.well-known/jwks.json``.

Where things are:

- ``conf`` (settings), ``checks`` (``manage.py check``), ``apps``, ``errors`` (every error, and
  where the routers answer them), ``audit`` (the audit log);
- ``keys/``: ``algorithms``, ``storage``, ``reader`` (the key files), ``cache`` (per process);
- ``tokens`` (mint, verify), ``models`` and ``sessions`` (the session behind each refresh
  token), ``authentication`` (``HttpJwtAuth``, ``TokenUser``), ``services`` (sign-in, password
  change), ``throttling``;
- ``api`` (the auth routers), ``account`` (the account router), ``schemas``, ``admin``,
  ``jwks`` and ``urls`` (the JWK Set);
- ``management/commands/``: ``make_jwt_key`` (and its alias ``make_rsa``), ``clear_jwt_sessions``;
- the library's import paths: ``auth/ninja_auth``, ``auth/views/api``, ``jwt/token_operations``
  and ``jwt/json_encode``.

This module stays import-light: Django imports it before settings are ready.
"""
