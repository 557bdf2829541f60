"""authprobe: find the matching ID that campus login, the SIS extract and Alma agree on."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("authprobe")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
