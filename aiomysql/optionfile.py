"""Read MySQL option files (my.cnf) for read_default_file / read_default_group.

Follows the format in the MySQL manual ("Using Option Files"): ``[group]`` headers,
``name=value`` or a bare ``name`` (meaning true), ``#``/``;`` comment lines and ``#``
comments after a value, optional single or double quotes, the escapes ``\\b \\t \\n \\r
\\\\ \\s``, dashes and underscores alike in names, and ``!include`` / ``!includedir``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .constants import CR
from .errors import OperationalError

#: Files the MySQL client reads by default, in order (later ones win).
DEFAULT_FILES = ("/etc/my.cnf", "/etc/mysql/my.cnf", "~/.my.cnf")

_ESCAPES = {
    "b": "\b", "t": "\t", "n": "\n", "r": "\r", "\\": "\\", "s": " ", '"': '"', "'": "'"
}  # fmt: skip
_MAX_INCLUDE_DEPTH = 10


def _error(message: str) -> OperationalError:
    return OperationalError(CR.CR_UNKNOWN_ERROR, message)


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _parse_value(raw: str) -> str:
    """The value after '=': quotes removed, trailing comment dropped, escapes applied."""
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = 1
        while end < len(raw) and raw[end] != quote:
            end += 2 if raw[end] == "\\" else 1
        if end < len(raw):
            return _unescape(raw[1:end])
    hash_at = raw.find("#")
    if hash_at >= 0:
        raw = raw[:hash_at].rstrip()
    return _unescape(raw)


def normalize(name: str) -> str:
    """Option names compare with '_' and '-' alike, case-insensitively."""
    return name.strip().lower().replace("_", "-")


def _read(path: str, groups: frozenset[str], out: dict[str, str], depth: int) -> None:
    if depth > _MAX_INCLUDE_DEPTH:
        raise _error(f"option file includes nest too deep at {path!r}")
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise _error(f"Cannot read option file {path!r}: {exc}") from exc
    active = False
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("!include "):
            _read(_relative(path, line[9:].strip()), groups, out, depth + 1)
            continue
        if line.startswith("!includedir "):
            folder = _relative(path, line[12:].strip())
            for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
                if name.endswith((".cnf", ".ini")):
                    _read(os.path.join(folder, name), groups, out, depth + 1)
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise _error(f"{path}:{number}: malformed group header {line!r}")
            active = line[1:-1].strip().lower() in groups
            continue
        if not active:
            continue
        name, sep, value = line.partition("=")
        if not sep:
            name = name.split("#", 1)[0]
        out[normalize(name)] = _parse_value(value) if sep else "1"


def _relative(base: str, path: str) -> str:
    return os.path.join(os.path.dirname(base), os.path.expanduser(path))


def read_option_files(paths: Sequence[str], groups: Sequence[str]) -> dict[str, str]:
    """Options of ``groups`` from ``paths``; a later file or group overrides an earlier one.

    Every path must be readable (an explicitly named file that is missing is an error).
    """
    wanted = [g.lower() for g in groups]
    options: dict[str, str] = {}
    for path in paths:
        path = os.path.expanduser(path)
        for group in wanted:
            _read(path, frozenset((group,)), options, 0)
    return options


def default_files() -> list[str]:
    """The standard option files that exist on this machine."""
    return [p for p in (os.path.expanduser(f) for f in DEFAULT_FILES) if os.path.isfile(p)]


def is_true(value: str) -> bool:
    """An option's boolean meaning (bare names and 1/on/true/yes are true)."""
    return value.strip().lower() not in ("0", "off", "false", "no", "")


def connection_defaults(path: str | None, group: str | None) -> dict[str, Any]:
    """Connection arguments from an option file: the [client] group, then ``group``.

    Without ``path`` the standard files are read (those that exist). The keys are
    Connection's argument names; ``ssl`` is a dict for :func:`aiomysql.tls.make_context`.
    """
    paths = [path] if path else default_files()
    groups = ["client"] + ([group] if group and group.lower() != "client" else [])
    opts = read_option_files(paths, groups)
    out: dict[str, Any] = {}
    for option, arg in _PLAIN.items():
        if option in opts:
            out[arg] = opts[option]
    if "port" in opts:
        try:
            out["port"] = int(opts["port"])
        except ValueError:
            raise _error(f"option file: port must be a number, not {opts['port']!r}") from None
    if "connect-timeout" in opts:
        try:
            out["connect_timeout"] = float(opts["connect-timeout"])
        except ValueError:
            raise _error(f"option file: bad connect-timeout {opts['connect-timeout']!r}") from None
    ssl_opts: dict[str, Any] = {key: opts[name] for name, key in _SSL.items() if name in opts}
    # Securely by default: the server is verified (against ssl-ca, else the system's
    # CAs) unless the file says ssl-verify-server-cert=0.
    verify = opts.get("ssl-verify-server-cert")
    if verify is not None:
        ssl_opts["verify_mode"] = is_true(verify)
        ssl_opts["check_hostname"] = is_true(verify)
    if ssl_opts or is_true(opts.get("ssl", "0")):
        out["ssl"] = ssl_opts
    return out


_PLAIN = {
    "host": "host",
    "user": "user",
    "password": "password",
    "database": "database",
    "socket": "unix_socket",
    "default-character-set": "charset",
}
_SSL = {
    "ssl-ca": "ca",
    "ssl-capath": "capath",
    "ssl-cert": "cert",
    "ssl-key": "key",
    "ssl-cipher": "cipher",
}
