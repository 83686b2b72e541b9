"""JWT authentication for django-ninja APIs, vendored: this is your code now.

Sign-in, token-refresh and sign-out routers for mobile and web clients, an account router
(sessions, password), the ``HttpJwtAuth`` bearer class that protects resources, server-side
sessions behind refresh tokens (rotation, reuse detection, revocation), and the ``make_jwt_key``
command that creates and rotates the signing keys (RS256, ES256 or EdDSA); key ids in every
token and a JWK Set at ``/.well-known/jwks.json``.

Where things are: ``conf`` (settings), ``errors``, ``keys/`` (algorithms, storage, rotation,
the per-process cache, diagnosis), ``tokens``, ``models`` and ``sessions`` (the session behind
each refresh token, the audit log), ``authentication``, ``services`` (sign-in, password change),
``throttling``, ``api``, ``account`` and ``schemas``, ``admin``, ``jwks`` and ``urls``,
``checks``, ``management/`` (``make_jwt_key``, ``clear_jwt_sessions``). The modules under
``auth/`` and ``jwt/`` keep the library's documented import paths.
This module stays import-light: Django imports it before settings are ready.
"""
