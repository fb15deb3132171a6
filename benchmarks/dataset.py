"""The benchmark's throwaway server (fixed settings) and its data, made with the CLI client."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from types import ModuleType
from typing import Any

import spec

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Server settings on top of TemporaryServer's (later options win). Fixed so runs compare:
#: a buffer pool that holds all the data, a redo log big enough for 5 x 32 MiB BLOBs
#: (InnoDB refuses a BLOB over 10% of it), no performance_schema overhead.
SERVER_ARGS = (
    "--innodb-buffer-pool-size=1G",
    "--innodb-log-file-size=512M",
    "--innodb-log-buffer-size=64M",
    "--innodb-flush-log-at-trx-commit=2",
    "--innodb-doublewrite=0",
    "--performance-schema=OFF",
    "--skip-log-bin",
    "--max-connections=200",
    "--max-allowed-packet=256M",
    "--query-cache-type=0",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
)


def _load_testing_module() -> ModuleType:
    """aiomysql/testing.py from this repo, loaded alone: the suite never imports a driver.

    Its ``TemporaryCluster`` builds on ``aiomysql.testing_cluster``, which imports the
    driver; the suite needs only ``TemporaryServer``, so that base is a stand-in here.
    """
    path = os.path.join(REPO_ROOT, "aiomysql", "testing.py")
    package = ModuleType("_bench_aiomysql")
    package.__path__ = []
    cluster = ModuleType("_bench_aiomysql.testing_cluster")
    cluster.ClusterBase = object  # type: ignore[attr-defined]
    sys.modules["_bench_aiomysql"] = package
    sys.modules["_bench_aiomysql.testing_cluster"] = cluster
    module_spec = importlib.util.spec_from_file_location("_bench_aiomysql.testing", path)
    if module_spec is None or module_spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["_bench_aiomysql.testing"] = module
    module_spec.loader.exec_module(module)
    return module


def start_server() -> Any:
    """Start and return a TemporaryServer with SERVER_ARGS (stop it with .stop())."""
    testing = _load_testing_module()
    server = testing.TemporaryServer(
        max_allowed_packet="256M", extra_args=list(SERVER_ARGS), startup_timeout=120.0
    )
    return server.start()


def _client_binary() -> str:
    for name in ("mariadb", "mysql"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(
        "no mariadb/mysql command-line client on PATH (apt-get install mariadb-client)"
    )


def run_sql(server: Any, sql: str | bytes, database: str | None = None) -> str:
    """Run SQL through the command-line client over the server's unix socket."""
    cmd = [
        _client_binary(),
        "--no-defaults",
        "--protocol=socket",
        f"--socket={server.unix_socket}",
        "--user=root",
        "--default-character-set=utf8mb4",
        "--max-allowed-packet=512M",
        "--batch",
        "--skip-column-names",
    ]
    if database:
        cmd.append(f"--database={database}")
    data = sql.encode("utf-8") if isinstance(sql, str) else sql
    out = subprocess.run(cmd, input=data, capture_output=True, timeout=600, check=False)
    if out.returncode != 0:
        err = out.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"SQL failed ({out.returncode}): {err}")
    return out.stdout.decode("utf-8", "replace")


def _sql_str(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _schema_sql() -> str:
    text_cols = ", ".join(f"c{i} VARCHAR(255) NOT NULL" for i in range(spec.TEXT_COLUMNS))
    return f"""
DROP DATABASE IF EXISTS {spec.DATABASE};
CREATE DATABASE {spec.DATABASE} CHARACTER SET utf8mb4;
USE {spec.DATABASE};
CREATE TABLE digits (d INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
CREATE TABLE numbers (n INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO numbers
  SELECT a.d + 10*b.d + 100*c.d + 1000*e.d + 10000*f.d + 1
  FROM digits a, digits b, digits c, digits e, digits f;
CREATE TABLE fetch_rows ({spec.ROW_COLUMNS}) ENGINE=InnoDB;
CREATE TABLE insert_rows ({spec.ROW_COLUMNS}) ENGINE=InnoDB;
CREATE TABLE blob_src (id INT NOT NULL PRIMARY KEY, data LONGBLOB NOT NULL) ENGINE=InnoDB;
CREATE TABLE blob_sink (id INT AUTO_INCREMENT PRIMARY KEY, data LONGBLOB NOT NULL)
  ENGINE=InnoDB;
CREATE TABLE wide_text (id INT NOT NULL PRIMARY KEY, {text_cols})
  ENGINE=InnoDB CHARACTER SET utf8mb4;
"""


def _rows_sql() -> str:
    # Must make exactly spec.row_values(n) for n in 1..FETCH_ROWS.
    return f"""
INSERT INTO fetch_rows
  SELECT n, (n * 7919 % 10000000) / 100, DATE '2000-01-01' + INTERVAL (n % 9000) DAY,
         TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (n * 37) SECOND, n / 7.0,
         CONCAT('name-', n, '-', REPEAT('x', n % 50)), n % 2
  FROM numbers WHERE n <= {spec.FETCH_ROWS};
"""


def _text_sql() -> str:
    # Must make exactly spec.text_value(n, i).
    cols = ", ".join(
        f"LEFT(CONCAT(n, ' ', REPEAT({_sql_str(phrase)}, 12)), 60 + (n * {i + 1}) % 120)"
        for i, phrase in enumerate(spec.TEXT_PHRASES)
    )
    return f"INSERT INTO wide_text SELECT n, {cols} FROM numbers WHERE n <= {spec.TEXT_ROWS};\n"


def load(server: Any) -> None:
    """Create the database and every table; fill the read-only ones; check them."""
    run_sql(server, _schema_sql())
    run_sql(server, _rows_sql() + _text_sql(), spec.DATABASE)
    blob_sql = b"INSERT INTO blob_src VALUES (1, 0x" + spec.blob().hex().encode() + b");\n"
    run_sql(server, blob_sql, spec.DATABASE)
    check(server)


def load_rows(server: Any) -> None:
    """Create the database and fill only fetch_rows (what instructions.py needs)."""
    run_sql(server, _schema_sql())
    run_sql(server, _rows_sql(), spec.DATABASE)


def check(server: Any) -> None:
    """Cross-check the server-made data against spec (the drivers are checked against it)."""
    want_rows = [spec.row_values(n) for n in (1, 77, spec.FETCH_ROWS)]
    got = run_sql(
        server,
        "SELECT id, amount, day, ts, name, flag FROM fetch_rows "
        f"WHERE id IN (1, 77, {spec.FETCH_ROWS}) ORDER BY id;"
        "SELECT COUNT(*) FROM fetch_rows;"
        "SELECT MD5(data), LENGTH(data) FROM blob_src;"
        "SELECT c3, c9 FROM wide_text WHERE id = 1234;",
        spec.DATABASE,
    ).splitlines()
    for line, want in zip(got[:3], want_rows, strict=True):
        expect = "\t".join(str(v) for i, v in enumerate(want) if i != 4)
        if line != expect:
            raise RuntimeError(f"fetch_rows differs from spec: {line!r} != {expect!r}")
    if got[3] != str(spec.FETCH_ROWS):
        raise RuntimeError(f"fetch_rows has {got[3]} rows")
    if got[4] != f"{spec.blob_md5()}\t{spec.BLOB_SIZE}":
        raise RuntimeError(f"blob_src differs from spec: {got[4]}")
    expect_text = f"{spec.text_value(1234, 3)}\t{spec.text_value(1234, 9)}"
    if got[5] != expect_text:
        raise RuntimeError(f"wide_text differs from spec: {got[5]!r} != {expect_text!r}")


def server_version(server: Any) -> str:
    return run_sql(server, "SELECT VERSION();").strip()
