"""cnocc: China's national occupational classification as linked data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cnocc")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
