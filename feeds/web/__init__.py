"""How it is served: the WSGI fast path, hot documents, HTTP validators, Flask views."""
