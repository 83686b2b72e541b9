"""The JWT signing keys in S3 (or an S3-compatible store), where every instance finds them.

Production settings point NINJA_SIMPLE_JWT's two key storages here; local and test settings keep
the key files in the project root. The storages are the ``jwt_private_key`` and
``jwt_public_key`` entries of ``STORAGES`` in config/settings/production.py, which reads their
buckets, prefixes, endpoint and region from the environment. django-storages finds the
credentials the standard AWS way (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``,
``AWS_PROFILE``, or the role of the instance or task).

SECURITY WARNING: only this application may read the private key's bucket (or prefix). The
public key's may be shared with services that verify our tokens; /.well-known/jwks.json
publishes the same keys over HTTP.
"""

from django.core.files.storage import Storage, storages

# Django builds each storage once, from its STORAGES entry, when first asked for it here.
private_key_storage: Storage = storages["jwt_private_key"]
public_key_storage: Storage = storages["jwt_public_key"]
