"""The benchmark: feeds against nginx serving the same feed bytes (``python -m bench.run``)."""
