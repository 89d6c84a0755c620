"""The emulated network: KMS host stand-ins and name resolution.

A KMS stand-in is a real TCP listener on loopback that accepts a connection and closes it.
It does not speak the KMS protocol. The emulated hosts resolve KMS host names through this
table and then open a real TCP connection, so "reachable" is decided by the socket layer,
not by a flag.
"""

from __future__ import annotations

import socket
import threading

from tests.simlab.scenario import KmsHostSpec


class ResolveError(OSError):
    """The name does not resolve (what Windows reports as "No such host is known")."""


class KmsStandIn:
    """A loopback TCP listener standing in for one KMS host name and port."""

    def __init__(self, spec: KmsHostSpec, bind_address: str = "127.0.0.1") -> None:
        self.name = spec.name
        self.port = spec.port
        self.activation_error = spec.activation_error
        self.bind_address = bind_address
        self.contacts = 0  # TCP connections accepted so far
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        # Reserve a real port first: while "stopped" it stays bound but not listening, so a
        # connection to it is refused by the kernel (and no other process can take it).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((bind_address, 0))
        self.address = self._socket.getsockname()
        self.listening = False
        if spec.listening:
            self.start()

    def start(self) -> None:
        """Accept connections (the KMS host is up)."""
        with self._lock:
            if self.listening:
                return
            if self._socket is None:
                self._socket = self._bound_socket()
            self._socket.listen(128)
            self.listening = True
            self._thread = threading.Thread(target=self._accept, args=(self._socket,), daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Refuse connections (the KMS host is down or firewalled)."""
        with self._lock:
            if not self.listening:
                return
            self.listening = False
            sock, self._socket = self._socket, None
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
            self._socket = self._bound_socket()
        if self._thread:
            self._thread.join(timeout=2)

    def close(self) -> None:
        self.stop()
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None

    def _bound_socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(self.address)
        return sock

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with self._lock:
                self.contacts += 1
            conn.close()


class Network:
    """Name resolution and TCP connects as seen from the emulated hosts."""

    def __init__(self, specs: list[KmsHostSpec], bind_address: str = "127.0.0.1") -> None:
        self.kms: dict[tuple[str, int], KmsStandIn] = {}
        for spec in specs:
            self.kms[(spec.name.lower(), spec.port)] = KmsStandIn(spec, bind_address)
        self._names = {name for name, _ in self.kms}
        # A bound, never-listening socket: where connections to a known name on an unserved
        # port go, so they are refused for real.
        self._closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._closed.bind((bind_address, 0))

    def stand_in(self, name: str, port: int = 1688) -> KmsStandIn:
        return self.kms[(name.lower(), port)]

    def connect(self, host: str, port: int, timeout: float) -> KmsStandIn | None:
        """Open and close a TCP connection to host:port; raises OSError when it fails.
        Returns the stand-in that accepted it."""
        name = host.lower().rstrip(".")
        if name not in self._names:
            raise ResolveError("No such host is known")
        stand_in = self.kms.get((name, port))
        address = stand_in.address if stand_in else self._closed.getsockname()
        with socket.create_connection(address, timeout=timeout):
            pass
        return stand_in

    def close(self) -> None:
        for stand_in in self.kms.values():
            stand_in.close()
        self._closed.close()
