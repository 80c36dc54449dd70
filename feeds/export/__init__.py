"""The static build (``feeds build``): the whole site as files, and a server config for them."""
