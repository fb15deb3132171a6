"""The authentication plugins by name: which one answers a server's auth request."""

from __future__ import annotations

from ..constants import CR
from ..errors import OperationalError
from .auth import AuthContext, AuthPlugin, ClearPassword, NativePassword
from .auth_mariadb import Ed25519Password, ParsecPassword
from .auth_sha2 import CachingSha2Password, Sha256Password


def _registry() -> dict[str, type[AuthPlugin]]:
    plugins: list[type[AuthPlugin]] = [
        NativePassword,
        ClearPassword,
        CachingSha2Password,
        Sha256Password,
        Ed25519Password,
        ParsecPassword,
    ]
    return {cls.name: cls for cls in plugins}


_PLUGINS: dict[str, type[AuthPlugin]] = {}


def supported_plugins() -> list[str]:
    """Names of the authentication plugins this driver speaks."""
    if not _PLUGINS:
        _PLUGINS.update(_registry())
    return sorted(_PLUGINS)


def plugin_for(name: str, ctx: AuthContext) -> AuthPlugin:
    """Instantiate the plugin called ``name``; an unknown plugin is an OperationalError."""
    if not _PLUGINS:
        _PLUGINS.update(_registry())
    cls = _PLUGINS.get(name)
    if cls is None:
        raise OperationalError(
            CR.CR_AUTH_PLUGIN_CANNOT_LOAD,
            f"Authentication plugin '{name}' is not supported "
            f"(supported: {', '.join(supported_plugins())})",
        )
    return cls(ctx)
