"""Request authentication: the bearer auth class, the stateless user and the auth routers."""
