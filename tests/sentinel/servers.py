"""Private Redis servers for ``tests/sentinel``: a Sentinel group (a primary, one replica and one
sentinel) and a TLS server, each on free loopback ports in a temporary folder of its own, nothing
persisted, stopped (or killed) by the tests and always ended afterwards.

The sentinel runs ``redis-server <conf> --sentinel`` with a short ``down-after-milliseconds`` and
``failover-timeout`` so that a killed primary is replaced within seconds; it rewrites its config
file as it learns (hence a file in the temporary folder). One sentinel with a quorum of 1 is
enough to elect itself and promote the replica. A group is plain, with passwords (the data nodes'
and the sentinel's own), or on TLS only (client to nodes and sentinel, replication, the
sentinel's links), its certificates from a throwaway CA written with ``cryptography``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import redis as sync_redis
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.redis_cluster import free_ports

SERVICE = "palmcity"
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000
READY_SECONDS = 20.0

T = TypeVar("T")


def available() -> str | None:
    """Why these servers cannot run here, or None when they can."""
    if shutil.which("redis-server") is None:
        return "no redis-server on PATH (apt-get install redis-server)"
    return None


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = READY_SECONDS) -> T:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = probe()
        except (sync_redis.ConnectionError, sync_redis.TimeoutError, sync_redis.ResponseError):
            found = None
        if found is not None and found is not False:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _start(folder: Path, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
    # Its own log file: a pipe nobody reads would fill and stall the server.
    log = (folder / f"{name}.log").open("ab")
    try:
        return subprocess.Popen(["redis-server", *argv], stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def _end(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _data_node_options() -> list[str]:
    # A replica's first sync at once: a diskless sync otherwise waits 5 s for more replicas.
    return ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0"]


# The passwords of the "auth" group: the data nodes' and the sentinel's own.
DATA_PASSWORD = "data-s3cret"
SENTINEL_PASSWORD = "watch-s3cret"
Security = Literal["plain", "auth", "tls"]


@dataclass
class SentinelGroup:
    """A primary, one replica of it and one sentinel watching them, started by this process:
    ``plain``; ``auth`` (the data nodes and the sentinel each require their own password); or
    ``tls`` (all three on TLS ports only, replication and the sentinel's links over TLS, a
    throwaway CA that signed each one's certificate)."""

    folder: Path
    primary_port: int
    replica_port: int
    sentinel_port: int
    security: Security = "plain"
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The PalmCity URL of this group (the sentinel, the service, db 0, what it needs)."""
        address = f"127.0.0.1:{self.sentinel_port}/{SERVICE}/0"
        if self.security == "auth":
            return f"redis+sentinel://:{DATA_PASSWORD}@{address}?sentinel_password={SENTINEL_PASSWORD}"
        if self.security == "tls":
            return f"rediss+sentinel://{address}?ssl_ca_certs={self.folder / 'ca.pem'}"
        return f"redis+sentinel://{address}"

    @classmethod
    def start(cls, security: Security = "plain") -> SentinelGroup:
        primary, replica, sentinel = free_ports(3)
        folder = Path(tempfile.mkdtemp(prefix="palmcity-redis-sentinel-"))
        group = cls(folder, primary, replica, sentinel, security)
        try:
            if security == "tls":
                _write_certificates(folder)
            group.processes[primary] = _start(folder, "primary", group._data_node(primary))
            wait_for("the primary", lambda: group.node(primary).ping())
            group.processes[replica] = _start(
                folder, "replica", group._data_node(replica, "--replicaof", "127.0.0.1", str(primary))
            )
            wait_for("the replica in sync", group._replica_in_sync)
            conf = folder / "sentinel.conf"
            conf.write_text(group._sentinel_conf())
            group.processes[sentinel] = _start(folder, "sentinel", [str(conf), "--sentinel"])
            # Ready once the sentinel knows the replica (it learns it from the primary's INFO).
            wait_for("the sentinel to know the replica", group._sentinel_knows_replica)
        except BaseException:
            group.stop()
            raise
        return group

    def _listen(self, port: int) -> list[str]:
        if self.security != "tls":
            return ["--port", str(port)]
        return [
            "--port", "0",
            "--tls-port", str(port),
            "--tls-cert-file", str(self.folder / "server.pem"),
            "--tls-key-file", str(self.folder / "server.key"),
            "--tls-ca-cert-file", str(self.folder / "ca.pem"),
            "--tls-auth-clients", "no",
            "--tls-replication", "yes",
        ]  # fmt: skip

    def _data_node(self, port: int, *extra: str) -> list[str]:
        auth = (
            ["--requirepass", DATA_PASSWORD, "--masterauth", DATA_PASSWORD] if self.security == "auth" else []
        )
        # Its own folder for the replication RDB a replica writes (else the working directory).
        files = ["--dir", str(self.folder), "--dbfilename", f"{port}.rdb"]
        return [*self._listen(port), *_data_node_options(), *files, *auth, *extra]

    def _sentinel_conf(self) -> str:
        lines = [
            "bind 127.0.0.1",
            f"dir {self.folder}",
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary_port} 1",
            f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}",
            f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}",
            f"sentinel parallel-syncs {SERVICE} 1",
        ]
        listen = self._listen(self.sentinel_port)
        lines += [
            f"{name.removeprefix('--')} {value}"
            for name, value in zip(listen[::2], listen[1::2], strict=True)
        ]
        if self.security == "auth":
            lines += [f"sentinel auth-pass {SERVICE} {DATA_PASSWORD}", f"requirepass {SENTINEL_PASSWORD}"]
        return "\n".join(lines) + "\n"

    def node(self, port: int) -> sync_redis.Redis:
        options: dict[str, Any] = {}
        if self.security == "auth":
            options["password"] = SENTINEL_PASSWORD if port == self.sentinel_port else DATA_PASSWORD
        if self.security == "tls":
            options.update(ssl=True, ssl_ca_certs=str(self.folder / "ca.pem"))
        return sync_redis.Redis(port=port, socket_timeout=2, decode_responses=True, **options)

    def primary_address(self) -> tuple[str, int]:
        """Where the sentinel says the primary is now."""
        address: Any = self.node(self.sentinel_port).sentinel_get_master_addr_by_name(SERVICE)
        host, port = address
        return str(host), int(port)

    def _replica_in_sync(self) -> bool:
        return bool(self.node(self.replica_port).info("replication")["master_link_status"] == "up")

    def _sentinel_knows_replica(self) -> bool:
        replicas = self.node(self.sentinel_port).sentinel_slaves(SERVICE)
        return any(int(r["port"]) == self.replica_port and not r["is_sdown"] for r in replicas)

    def kill_primary(self) -> None:
        """SIGKILL: no shutdown, no goodbye to the replica; what a crash does."""
        process = self.processes.pop(self.primary_port)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for port in list(self.processes):
            _end(self.processes.pop(port))
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class TLSServer:
    """``redis-server`` listening on TLS only (``--port 0 --tls-port``), with a throwaway CA that
    signed its certificate and a client's (clients must show one: ``--tls-auth-clients yes``)."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def client_cert(self) -> Path:
        return self.folder / "client.pem"

    @property
    def client_key(self) -> Path:
        return self.folder / "client.key"

    @classmethod
    def start(cls) -> TLSServer:
        server = cls(Path(tempfile.mkdtemp(prefix="palmcity-redis-tls-")), free_ports(1)[0])
        try:
            _write_certificates(server.folder)
            server.process = _start(
                server.folder,
                "redis",
                [
                    "--port", "0",
                    "--tls-port", str(server.port),
                    "--bind", "127.0.0.1",
                    "--tls-cert-file", str(server.folder / "server.pem"),
                    "--tls-key-file", str(server.folder / "server.key"),
                    "--tls-ca-cert-file", str(server.ca),
                    "--tls-auth-clients", "yes",
                    "--save", "",
                    "--appendonly", "no",
                ],
            )  # fmt: skip
            wait_for("redis-server over TLS", server._answers)
        except BaseException:
            server.stop()
            raise
        return server

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"redis-server ended at start: see {self.folder / 'redis.log'}")
        client = sync_redis.Redis(
            port=self.port,
            ssl=True,
            ssl_ca_certs=str(self.ca),
            ssl_certfile=str(self.client_cert),
            ssl_keyfile=str(self.client_key),
            socket_timeout=2,
        )
        try:
            return bool(client.ping())
        finally:
            client.close()

    def stop(self) -> None:
        _end(self.process)
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


def _write_certificates(folder: Path) -> None:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all signed by
    the CA, valid for a day: PEM files in ``folder``."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PalmCity test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    for name, usage in (
        ("server", ExtendedKeyUsageOID.SERVER_AUTH),
        ("client", ExtendedKeyUsageOID.CLIENT_AUTH),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"palmcity-test-{name}")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (folder / f"{name}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
