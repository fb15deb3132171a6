"""TLS settings: turn the ``ssl=`` argument into an ssl.SSLContext, securely by default."""

from __future__ import annotations

import asyncio
import ssl as _ssl
from collections.abc import Mapping
from typing import Any

from .constants import CR
from .errors import OperationalError, ProgrammingError

#: Keys accepted in an ``ssl=`` dict (the aiomysql/PyMySQL names).
SSL_DICT_KEYS = frozenset(
    {"ca", "capath", "cadata", "cert", "key", "password", "cipher", "check_hostname",
     "verify_mode"}
)  # fmt: skip

_VERIFY_NAMES = {
    "none": _ssl.CERT_NONE,
    "optional": _ssl.CERT_OPTIONAL,
    "required": _ssl.CERT_REQUIRED,
}


def _verify_mode(value: Any) -> _ssl.VerifyMode:
    if isinstance(value, _ssl.VerifyMode):
        return value
    if isinstance(value, bool):
        return _ssl.CERT_REQUIRED if value else _ssl.CERT_NONE
    if isinstance(value, str) and value.lower() in _VERIFY_NAMES:
        return _VERIFY_NAMES[value.lower()]
    raise ProgrammingError(
        0,
        f"ssl verify_mode must be an ssl.VerifyMode, a bool or none/optional/required, "
        f"not {value!r}",
    )


def context_from_dict(options: Mapping[str, Any]) -> _ssl.SSLContext:
    """An SSLContext from aiomysql-style options; verifies the server unless told not to.

    Without ``ca``/``capath``/``cadata`` the system's trusted CAs are used. The host
    name is checked unless ``check_hostname`` is false or ``verify_mode`` is CERT_NONE.
    """
    unknown = set(options) - SSL_DICT_KEYS
    if unknown:
        raise ProgrammingError(
            0, f"unknown ssl option(s) {sorted(unknown)}; known: {sorted(SSL_DICT_KEYS)}"
        )
    try:
        ctx = _ssl.create_default_context(
            cafile=options.get("ca"), capath=options.get("capath"), cadata=options.get("cadata")
        )
        mode = _verify_mode(options.get("verify_mode", _ssl.CERT_REQUIRED))
        check = bool(options.get("check_hostname", mode is not _ssl.CERT_NONE))
        if mode is _ssl.CERT_NONE and check:
            raise ProgrammingError(0, "ssl check_hostname=True needs certificate verification")
        ctx.check_hostname = check
        ctx.verify_mode = mode
        if options.get("cert"):
            ctx.load_cert_chain(options["cert"], options.get("key"), options.get("password"))
        elif options.get("key"):
            raise ProgrammingError(0, "ssl key given without cert")
        if options.get("cipher"):
            ctx.set_ciphers(options["cipher"])
    except (OSError, _ssl.SSLError) as exc:
        raise OperationalError(
            CR.CR_SSL_CONNECTION_ERROR, f"Cannot set up TLS from the ssl options: {exc}"
        ) from exc
    return ctx


def make_context(value: Any) -> _ssl.SSLContext | None:
    """``ssl=`` as given to connect(): None/False (no TLS), True, an SSLContext or a dict."""
    if value is None or value is False:
        return None
    if value is True:
        return _ssl.create_default_context()
    if isinstance(value, _ssl.SSLContext):
        return value
    if isinstance(value, Mapping):
        return context_from_dict(value)
    raise ProgrammingError(
        0, f"ssl must be an ssl.SSLContext, True or a dict of options, not {type(value).__name__}"
    )


async def start_tls(
    loop: asyncio.AbstractEventLoop,
    transport: asyncio.Transport,
    protocol: asyncio.BaseProtocol,
    ctx: _ssl.SSLContext,
    host: str,
    address: str,
) -> asyncio.Transport:
    """Upgrade ``transport`` in place (after the SSLRequest); the protocol object stays."""
    try:
        upgraded = await loop.start_tls(
            transport, protocol, ctx, server_hostname=host if ctx.check_hostname else None
        )
    except (_ssl.SSLError, _ssl.CertificateError) as exc:
        raise OperationalError(
            CR.CR_SSL_CONNECTION_ERROR, f"TLS handshake with the server on {address} failed: {exc}"
        ) from exc
    except OSError as exc:  # the connection was lost mid-handshake (often with no message)
        raise OperationalError(
            CR.CR_SSL_CONNECTION_ERROR,
            f"TLS handshake with the server on {address} failed: connection lost ({exc!r})",
        ) from exc
    if upgraded is None:  # the connection closed during the handshake
        raise OperationalError(CR.CR_SSL_CONNECTION_ERROR, f"TLS with {address} was not set up")
    return upgraded
