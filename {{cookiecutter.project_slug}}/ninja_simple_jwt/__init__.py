"""Stateless JWT authentication for django-ninja APIs.

A vendored, hardened copy of the behaviour of ``django-ninja-simple-jwt``: sign-in and
token-refresh routers for mobile and web clients (sign-in throttled), the ``HttpJwtAuth``
bearer class that protects resources, and the ``make_rsa`` command that creates and rotates
the signing key pair (RS256, ES256 or EdDSA). Beyond the library: key ids in every token and
the JWK Set at ``/.well-known/jwks.json`` (``ninja_simple_jwt.urls``).
This module stays import-light on purpose: Django imports it before settings are ready.
"""
