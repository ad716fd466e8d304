"""A real Redis Cluster for tests: three masters (no replicas) on free loopback ports.

Each node is a ``redis-server`` in cluster mode, in a temporary folder of its own, with nothing
persisted but the cluster's own node table (``nodes.conf``, which lets a restarted node rejoin with
its slots). ``redis-cli --cluster create`` assigns the 16384 slots; the cluster is ready when every
node reports ``cluster_state:ok``. Used by the cluster stage (``make test-cluster``) and by
``tests/cluster``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

READY_SECONDS = 30.0


def available() -> bool:
    return shutil.which("redis-server") is not None and shutil.which("redis-cli") is not None


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on, with their cluster bus ports (port + 10000) free as well."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port + 10000 < 65536 and port not in ports and _free(port + 10000):
            ports.append(port)
    return ports


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class LocalCluster:
    """Three (or ``masters``) cluster nodes started by this process; ``stop()`` ends them."""

    folder: Path
    ports: list[int]
    nodes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The PalmCity URL of this cluster (``redis+cluster://`` and one seed node)."""
        return f"redis+cluster://127.0.0.1:{self.ports[0]}/0"

    @classmethod
    def start(cls, masters: int = 3) -> LocalCluster:
        cluster = cls(Path(tempfile.mkdtemp(prefix="palmcity-redis-cluster-")), free_ports(masters))
        try:
            for port in cluster.ports:
                cluster.start_node(port)
            cluster._create()
            cluster.wait_ready()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def start_node(self, port: int) -> None:
        node_dir = self.folder / str(port)
        node_dir.mkdir(exist_ok=True)
        # Its own log file: a pipe nobody reads would fill and stall the server.
        log = (node_dir / "redis.log").open("ab")
        self.nodes[port] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(node_dir),
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "2000",
                "--save",
                "",
                "--appendonly",
                "no",
            ],  # fmt: skip
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + READY_SECONDS
        while self._cli(port, "ping").strip() != "PONG":
            if time.monotonic() > deadline or self.nodes[port].poll() is not None:
                raise RuntimeError(f"redis-server on {port} did not start: see {node_dir / 'redis.log'}")
            time.sleep(0.05)

    def stop_node(self, port: int) -> None:
        process = self.nodes.pop(port, None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def restart_node(self, port: int) -> None:
        """Stop one master and start it again: it keeps its slots (nodes.conf) but not its data."""
        self.stop_node(port)
        self.start_node(port)
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while not all("cluster_state:ok" in self._cli(port, "cluster", "info") for port in self.ports):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Redis Cluster in {self.folder} did not reach cluster_state:ok")
            time.sleep(0.1)

    def stop(self) -> None:
        for port in list(self.nodes):
            self.stop_node(port)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _create(self) -> None:
        subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{port}" for port in self.ports)]
            + ["--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=READY_SECONDS,
        )

    @staticmethod
    def _cli(port: int, *command: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(port), *command],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return done.stdout
