"""The machinery of ``aiomysql.testing.TemporaryCluster``: a replicated topology on loopback.

``replication``: a primary and N GTID replicas (read-only). Every node sits behind a
``Gate`` (``_gates.py``): clients use ``cluster.hosts`` (the gates' addresses), so a test
can partition a node or point an address at another node. Administration runs as root
over each node's unix socket; applications log in as ``cluster.user``, who has no
SUPER / READ ONLY ADMIN and so is refused writes on a read-only node.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from ._gates import Gate, GateLoop
from .connection import connect

if TYPE_CHECKING:
    from .testing import TemporaryServer

#: What the application user may do: everything but administration.
APP_GRANTS = (
    "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES, "
    "LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, PROCESS"
)
REPL_USER, REPL_PASSWORD = "repl", "repl-pw"


def _in_thread(make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine on a private loop in a helper thread (callable from any context)."""
    out: list[Any] = []
    err: list[BaseException] = []

    def target() -> None:
        try:
            out.append(asyncio.run(make()))
        except BaseException as exc:
            err.append(exc)

    thread = threading.Thread(target=target, name="cluster-admin")
    thread.start()
    thread.join()
    if err:
        raise err[0]
    return out[0]


def _prepare_all(nodes: Sequence[TemporaryServer]) -> None:
    """Initialise every node's data dir at once (mariadb-install-db runs in threads)."""
    with concurrent.futures.ThreadPoolExecutor(len(nodes)) as pool:
        for future in [pool.submit(node.prepare) for node in nodes]:
            future.result()


def _refused_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


#: Where Debian's galera-4 package puts the provider.
GALERA_PROVIDERS = ("/usr/lib/galera/libgalera_smm.so", "/usr/lib/libgalera_smm.so")


def find_galera_provider() -> str:
    """The path of libgalera_smm.so, or RuntimeError saying what to install."""
    for path in GALERA_PROVIDERS:
        if os.path.exists(path):
            return path
    raise RuntimeError(
        f"no Galera provider ({', '.join(GALERA_PROVIDERS)}); on Debian/Ubuntu: "
        "apt-get install galera-4 rsync"
    )


class ClusterBase:
    """``replication``: a primary and ``replicas`` GTID replicas; ``galera``: ``nodes``
    Galera nodes (3 by default). ``TemporaryCluster`` supplies the servers."""

    def __init__(
        self,
        kind: str = "replication",
        *,
        replicas: int = 1,
        nodes: int = 3,
        semi_sync: bool = False,
        user: str = "app",
        password: str = "app-pw",
        database: str = "app",
    ) -> None:
        if kind not in ("replication", "galera"):
            raise ValueError(
                f"TemporaryCluster kind must be 'replication' or 'galera', not {kind!r}"
            )
        if kind == "replication" and replicas < 1:
            raise ValueError("a replication cluster needs at least one replica")
        if kind == "galera" and nodes < 2:
            raise ValueError("a Galera cluster needs at least two nodes")
        self.kind = kind
        self.replica_count = replicas if kind == "replication" else nodes - 1
        #: Semi-synchronous replication: a commit is acknowledged once a replica has it.
        self.semi_sync = semi_sync
        self.user, self.password, self.database = user, password, database
        self.nodes: list[TemporaryServer] = []
        self.gates: list[Gate] = []
        #: Index of the node taking writes (changes with promote()).
        self.primary = 0
        self._gate_loop: GateLoop | None = None

    def _new_server(self, extra_args: Sequence[str], galera: bool = False) -> TemporaryServer:
        raise NotImplementedError

    # -- life cycle ----------------------------------------------------------

    def start(self) -> ClusterBase:
        """Start every node, wire up replication and wait until the replicas caught up."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if self.kind == "galera":
            self._start_galera()
            return
        common = ["--log-bin=mysql-bin", "--log-slave-updates=ON", "--binlog-format=ROW"]
        for i in range(1 + self.replica_count):
            extra = [f"--server-id={i + 1}", *common]
            if i:
                extra.append("--read-only=ON")
            self.nodes.append(self._new_server(extra))
        _prepare_all(self.nodes)
        for node in self.nodes:
            node.start()  # from this thread: the servers die with this process
        self._gate_loop = GateLoop()
        self.gates = [Gate(self._gate_loop, node.port) for node in self.nodes]
        self.admin(
            0,
            f"CREATE USER '{REPL_USER}'@'%' IDENTIFIED BY '{REPL_PASSWORD}'",
            f"GRANT REPLICATION SLAVE ON *.* TO '{REPL_USER}'@'%'",
            f"CREATE USER '{self.user}'@'%' IDENTIFIED BY '{self.password}'",
            f"GRANT {APP_GRANTS} ON *.* TO '{self.user}'@'%'",
            f"CREATE DATABASE {self.database}",
        )
        for i in range(1, len(self.nodes)):
            self._replicate(i, 0)
        self.wait_replicated()
        if self.semi_sync:
            self._enable_semi_sync()

    def _enable_semi_sync(self) -> None:
        """Primary waits for a replica's acknowledgement (AFTER_SYNC: lossless) before
        answering a COMMIT; replicas reconnect as semi-sync ones."""
        # Only the primary waits: a replica that waited too would hold its own applier
        # (log_slave_updates) until a replica of its own acknowledged.
        self.admin(
            self.primary,
            "SET GLOBAL rpl_semi_sync_master_wait_point = AFTER_SYNC",
            "SET GLOBAL rpl_semi_sync_master_timeout = 600000",
            "SET GLOBAL rpl_semi_sync_master_enabled = ON",
        )
        running = [i for i in self.replicas if self.nodes[i].running]
        for i in running:
            self.admin(
                i,
                "SET GLOBAL rpl_semi_sync_slave_enabled = ON",
                "STOP SLAVE IO_THREAD",
                "START SLAVE IO_THREAD",
            )
        clients = "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'"
        deadline = time.monotonic() + 60
        while int(self.admin(self.primary, clients)[0][1]) < len(running):
            if time.monotonic() > deadline:
                raise RuntimeError("the replicas did not connect as semi-sync replicas")
            time.sleep(0.02)

    def _start_galera(self) -> None:
        """Bootstrap node 0, then join the others one by one (rsync state transfer)."""
        provider = find_galera_provider()
        count = 1 + self.replica_count
        group = [_refused_port() for _ in range(count)]
        address = "gcomm://" + ",".join(f"127.0.0.1:{port}" for port in group)
        for i in range(count):
            extra = [
                "--wsrep-on=ON",
                f"--wsrep-provider={provider}",
                f"--wsrep-cluster-address={address}",
                "--wsrep-cluster-name=aiomysql-test",
                f"--wsrep-node-name=node{i}",
                "--wsrep-node-address=127.0.0.1",
                f"--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{group[i]};"
                f"ist.recv_addr=127.0.0.1:{_refused_port()};gcache.size=16M",
                "--wsrep-sst-method=rsync",
                f"--wsrep-sst-receive-address=127.0.0.1:{_refused_port()}",
                "--binlog-format=ROW",
                "--innodb-autoinc-lock-mode=2",
                "--default-storage-engine=InnoDB",
            ]
            if i == 0:
                extra.append("--wsrep-new-cluster")
            self.nodes.append(self._new_server(extra, galera=True))
        _prepare_all(self.nodes)
        for node in self.nodes:  # one by one: each joiner takes a state transfer
            node.start()
        # A restart of node 0 joins the running cluster instead of founding a new one.
        self.nodes[0].extra_args.remove("--wsrep-new-cluster")
        self._gate_loop = GateLoop()
        self.gates = [Gate(self._gate_loop, node.port) for node in self.nodes]
        self.admin(
            0,
            f"CREATE USER '{self.user}'@'%' IDENTIFIED BY '{self.password}'",
            f"GRANT {APP_GRANTS} ON *.* TO '{self.user}'@'%'",
            f"CREATE DATABASE {self.database}",
        )
        self.wait_synced()

    def wsrep_status(self, i: int) -> dict[str, str]:
        """Node ``i``'s ``wsrep_%`` status values."""
        rows = self.admin(i, "SHOW GLOBAL STATUS LIKE 'wsrep\\_%'")
        return {str(name).lower(): str(value) for name, value in rows}

    def wait_synced(self, timeout: float = 120.0) -> None:
        """Wait until every running Galera node is Synced in a primary component of all
        running nodes."""
        running = [i for i, node in enumerate(self.nodes) if node.running]
        deadline = time.monotonic() + timeout
        while True:
            states = [self.wsrep_status(i) for i in running]
            if all(
                s.get("wsrep_local_state_comment") == "Synced"
                and s.get("wsrep_cluster_status") == "Primary"
                and s.get("wsrep_cluster_size") == str(len(running))
                for s in states
            ):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"Galera nodes not synced after {timeout} s: {states}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop every node and gate and remove their files."""
        for gate in self.gates:
            gate.close()
        if self._gate_loop is not None:
            self._gate_loop.close()
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> ClusterBase:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------

    @property
    def hosts(self) -> list[str]:
        """``host:port`` of every node's gate, primary first at start."""
        return [f"127.0.0.1:{gate.port}" for gate in self.gates]

    def connect_kwargs(self, **extra: Any) -> dict[str, Any]:
        """Keyword arguments for ``connect``/``create_pool`` over the whole host list."""
        return {
            "host": self.hosts,
            "user": self.user,
            "password": self.password,
            "db": self.database,
            **extra,
        }

    def node_kwargs(self, i: int, **extra: Any) -> dict[str, Any]:
        """Keyword arguments for a connection to node ``i`` alone (through its gate)."""
        return {
            "host": "127.0.0.1",
            "port": self.gates[i].port,
            "user": self.user,
            "password": self.password,
            "db": self.database,
            **extra,
        }

    # -- administration (root over the node's unix socket) ----------------------

    def admin(self, i: int, *statements: str) -> list[tuple[Any, ...]]:
        """Run ``statements`` as root on node ``i``; the last one's rows."""
        socket_path = self.nodes[i].unix_socket

        async def run() -> list[tuple[Any, ...]]:
            async with connect(unix_socket=socket_path, user="root", autocommit=True) as conn:
                rows: list[tuple[Any, ...]] = []
                for sql in statements:
                    result = await conn.run_query(sql)
                    rows = list(result.rows or ())
                return rows

        rows: list[tuple[Any, ...]] = _in_thread(run)
        return rows

    def _replicate(self, i: int, source: int) -> None:
        self.admin(
            i,
            "STOP SLAVE",
            f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={self.nodes[source].port}, "
            f"MASTER_USER='{REPL_USER}', MASTER_PASSWORD='{REPL_PASSWORD}', "
            "MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1",
            "START SLAVE",
        )

    def gtid_position(self, i: int) -> str:
        """Node ``i``'s ``@@gtid_binlog_pos`` (every transaction it has logged)."""
        return str(self.admin(i, "SELECT @@global.gtid_binlog_pos")[0][0])

    def wait_replicated(self, timeout: float = 60.0) -> None:
        """Wait until every running replica applied everything the primary logged."""
        position = self.gtid_position(self.primary)
        for i in self.replicas:
            if self.nodes[i].running:
                done = self.admin(i, f"SELECT MASTER_GTID_WAIT('{position}', {timeout})")[0][0]
                if done != 0:
                    raise RuntimeError(f"replica {i} did not reach {position} in {timeout} s")

    @property
    def replicas(self) -> list[int]:
        """Indexes of the nodes that are not the primary."""
        return [i for i in range(len(self.nodes)) if i != self.primary]

    # -- faults and topology changes -------------------------------------------

    def kill(self, i: int) -> None:
        """SIGKILL node ``i`` (no clean shutdown) and wait until it is gone."""
        node = self.nodes[i]
        if node.pid is not None and node.running:
            os.kill(node.pid, signal.SIGKILL)
            proc = node._res.proc
            if proc is not None:
                proc.wait()

    def stop_node(self, i: int) -> None:
        """Shut node ``i`` down cleanly (SIGTERM) and wait."""
        self.nodes[i]._res.terminate(self.nodes[i].stop_timeout)

    def restart_node(self, i: int) -> None:
        """Start node ``i`` again on its port and data dir."""
        self.nodes[i].restart()

    def set_read_only(self, i: int, on: bool = True) -> None:
        """SET GLOBAL read_only on node ``i``."""
        self.admin(i, f"SET GLOBAL read_only = {'ON' if on else 'OFF'}")

    def stall_replication(self, i: int) -> None:
        """Stop replica ``i`` applying what it receives (artificial lag, not a race)."""
        self.admin(i, "STOP SLAVE SQL_THREAD")

    def resume_replication(self, i: int) -> None:
        """Let replica ``i`` apply again."""
        self.admin(i, "START SLAVE SQL_THREAD")

    def received_position(self, i: int) -> str:
        """The GTIDs replica ``i`` has received (SHOW SLAVE STATUS's Gtid_IO_Pos)."""
        socket_path = self.nodes[i].unix_socket

        async def run() -> str:
            async with connect(unix_socket=socket_path, user="root") as conn:
                result = await conn.run_query("SHOW SLAVE STATUS")
                names = [column.name for column in result.columns or ()]
                rows = result.rows or [()]
                return str(dict(zip(names, rows[0], strict=False)).get("Gtid_IO_Pos", ""))

        position: str = _in_thread(run)
        return position

    def promote(self, i: int, timeout: float = 60.0) -> None:
        """Make replica ``i`` the primary: it applies everything it received, stops
        replicating and takes writes; the other running replicas follow it."""
        self.admin(i, "STOP SLAVE IO_THREAD")
        received = self.received_position(i)
        if received:
            done = self.admin(i, f"SELECT MASTER_GTID_WAIT('{received}', {timeout})")[0][0]
            if done != 0:
                raise RuntimeError(f"replica {i} did not apply {received} in {timeout} s")
        self.admin(i, "STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = OFF")
        old, self.primary = self.primary, i
        followers = [j for j in self.replicas if j != old and self.nodes[j].running]
        for j in followers:
            self._replicate(j, i)
        if self.semi_sync and followers:
            self.admin(i, "SET GLOBAL rpl_semi_sync_slave_enabled = OFF")
            self._enable_semi_sync()

    def partition(self, i: int) -> None:
        """Cut every client connection to node ``i`` and refuse new ones."""
        self.gates[i].sever()

    def heal(self, i: int) -> None:
        """Let clients reach node ``i`` again."""
        self.gates[i].heal()

    def point(self, i: int, to: int | None) -> None:
        """Send node ``i``'s address to node ``to`` (a failover behind a stable address),
        or with ``to=None`` to a port where nothing listens (connections are refused)."""
        self.gates[i].point_to(self.nodes[to].port if to is not None else _refused_port())
