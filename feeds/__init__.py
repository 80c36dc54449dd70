"""feeds: publish a folder of story files as RSS, Atom and JSON Feed, live."""

__version__ = "0.1.0"
ROOT_VARIABLE = "FEEDS_ROOT"  # the site folder, when --root is not given

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> object:
    # Import the web layer only when asked for, so the CLI and the data modules
    # stay importable (and fast to start) without Flask being loaded.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
