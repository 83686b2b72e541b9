"""JWT authentication for django-ninja APIs, vendored: this is your code now.

Sign-in and token-refresh routers for mobile and web clients, the ``HttpJwtAuth`` bearer class
that protects resources, and the ``make_rsa`` command that creates and rotates the signing keys
(RS256, ES256 or EdDSA); key ids in every token and a JWK Set at ``/.well-known/jwks.json``.

Where things are: ``conf`` (settings), ``errors``, ``keys/`` (algorithms, storage, rotation,
the per-process cache, diagnosis), ``tokens``, ``authentication``, ``services``, ``throttling``,
``api`` and ``schemas``, ``jwks`` and ``urls``, ``checks``, ``management/``. The modules under
``auth/`` and ``jwt/`` keep the library's documented import paths.
This module stays import-light: Django imports it before settings are ready.
"""
