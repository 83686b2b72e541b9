"""Token minting, verification and the RSA key pair."""
