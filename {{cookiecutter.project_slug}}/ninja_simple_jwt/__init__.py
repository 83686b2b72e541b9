"""Stateless JWT authentication for django-ninja APIs.

A vendored, hardened copy of the behaviour of ``django-ninja-simple-jwt``: sign-in and
token-refresh routers for mobile and web clients, the ``HttpJwtAuth`` bearer class that
protects resources, and the ``make_rsa`` command that creates the signing key pair.
This module stays import-light on purpose: Django imports it before settings are ready.
"""
