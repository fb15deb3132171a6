"""The package version, kept in one place for setuptools and the package itself."""

__version__ = "0.4.0.dev0"
