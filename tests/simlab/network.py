"""The emulated network: name resolution per host, and KMS host stand-ins on real sockets.

Every KMS stand-in (a scenario ``kms_hosts`` entry) has emulated addresses, IPv4 and/or
IPv6 (``addresses:``; by default one of each from the documentation ranges, RFC 5737
192.0.2.0/24 and RFC 3849 2001:db8::/32). Its name resolves to those addresses. A connection
to an emulated IPv4 address is a real AF_INET connection to the stand-in's listener on
127.0.0.1; to an emulated IPv6 address a real AF_INET6 connection to its listener on ::1.
So whether a host "reaches" a KMS host over IPv6 is decided by a real IPv6 socket.

A stand-in accepts a connection and closes it; it does not speak the KMS protocol. Stopped
(``listening: false`` or ``stop()``), its sockets stay bound but do not listen, so the kernel
refuses connections. An address nobody serves answers nothing: the connection attempt times
out (emulated by waiting the timeout, since no real socket can reach an address that is not
there without leaving loopback).

Each host may see its own DNS (``network: {resolve: {name: [addresses]}}`` in its scenario
entry), which replaces what the name resolves to for that host only: split DNS, or a name
that resolves to nothing on a host off the organisation's network (``[]``).

A ``kms_hosts`` entry with ``machine: <host>`` names a lab Windows host instead of a stand-in:
the name (and the host's own name in its DNS domain) resolves to that machine's addresses, and
whether a connection gets through, on which port, is decided live by the machine's Key
Management Service (tests/simlab/kmshost.py: a KMS host, sppsvc running, the port it listens on
since its last start, the firewall). A connection that does not get through is refused, for
real, by a bound socket that does not listen. Windows Firewall drops such a packet instead, which
the client sees as a timeout; the lab refuses so that no test waits for a timeout, and the KMS
client ends in 0xC004F074 either way (docs/licensing-facts.md §6).

The lab's DNS also holds the SRV records the KMS hosts publish (``publish``): each
_vlmcs._tcp.<domain> record a machine registered when its KMS started with DNS publishing on
(docs/licensing-facts.md §7.1, §12.2). A record stays until it is removed (``unpublish``, what
the DNS administrator does), as Windows' KMS does not remove its record when publishing is
turned off (SUPP-KMSDNS).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

from tests.simlab.scenario import KmsHostSpec

INTER_NETWORK = "InterNetwork"  # .NET AddressFamily names (System.Net.Sockets.AddressFamily)
INTER_NETWORK_V6 = "InterNetworkV6"


class ResolveError(OSError):
    """The name does not resolve (what Windows reports as "No such host is known")."""


def ipv6_loopback_available() -> bool:
    """Whether this machine can bind ::1 (it can on Linux unless IPv6 is disabled)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP literal (an IPv6 one may carry a %zone), or None for a name."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0] if ":" in text else text)
    except ValueError:
        return None


def family_of(address: str) -> str:
    parsed = parse_address(address)
    return INTER_NETWORK_V6 if parsed is not None and parsed.version == 6 else INTER_NETWORK


class _Listener:
    """Real loopback TCP listeners (127.0.0.1 and ::1) for one emulated machine's addresses."""

    def __init__(self, name: str, addresses: list[str], ipv6: bool, listening: bool) -> None:
        self.name = name
        self.addresses = addresses  # the emulated addresses the name resolves to
        self.contacts = 0  # TCP connections accepted so far, both families
        self.contacts_by_family = {INTER_NETWORK: 0, INTER_NETWORK_V6: 0}  # the same, by real socket family
        self._lock = threading.Lock()
        families = [socket.AF_INET] + ([socket.AF_INET6] if ipv6 else [])
        # Reserve real ports first: while "stopped" they stay bound but not listening, so a
        # connection is refused by the kernel (and no other process can take them).
        self._sockets: dict[int, socket.socket | None] = {f: _bound(f, _LOOPBACK[f], 0) for f in families}
        self.real: dict[int, tuple[Any, ...]] = {f: s.getsockname() for f, s in self._sockets.items() if s}
        self.address = self.real[socket.AF_INET]  # the IPv4 listener (kept for older callers)
        self._threads: list[threading.Thread] = []
        self.listening = False
        if listening:
            self.start()

    def start(self) -> None:
        """Accept connections (the KMS host is up)."""
        with self._lock:
            if self.listening:
                return
            for family in self._sockets:
                if self._sockets[family] is None:
                    self._sockets[family] = _bound(family, *self.real[family][:2])
                sock = self._sockets[family]
                assert sock is not None
                sock.listen(128)
                thread = threading.Thread(target=self._accept, args=(sock,), daemon=True)
                thread.start()
                self._threads.append(thread)
            self.listening = True

    def stop(self) -> None:
        """Refuse connections (the KMS host is down or firewalled)."""
        with self._lock:
            if not self.listening:
                return
            self.listening = False
            for family, sock in list(self._sockets.items()):
                _close(sock)
                self._sockets[family] = _bound(family, *self.real[family][:2])
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=2)

    def close(self) -> None:
        self.stop()
        with self._lock:
            for family, sock in list(self._sockets.items()):
                if sock is not None:
                    sock.close()
                self._sockets[family] = None

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, _unused = sock.accept()
            except OSError:
                return
            with self._lock:
                self.contacts += 1
                self.contacts_by_family[INTER_NETWORK_V6 if conn.family == socket.AF_INET6 else INTER_NETWORK] += 1
            conn.close()

    def serves(self, port: int) -> bool:
        """Whether a connection to ``port`` at this machine's addresses gets through."""
        raise NotImplementedError


class KmsStandIn(_Listener):
    """A KMS host stand-in: one name and port, answering as its scenario settings say."""

    def __init__(self, spec: KmsHostSpec, addresses: list[str], ipv6: bool = True) -> None:
        self.port = spec.port
        self.activation_error = spec.activation_error
        self.current_count = spec.current_count
        self.host_keys = spec.host_keys
        self.answers = spec.answers
        super().__init__(spec.name, addresses, ipv6, spec.listening)

    def serves(self, port: int) -> bool:
        """Its port: the kernel accepts or (stopped) refuses there."""
        return self.port == port


class MachineListener(_Listener):
    """A lab Windows host on the KMS network: its sockets always listen, and ``serves`` asks its
    Key Management Service (tests/simlab/kmshost.py) whether a connection to a port gets through."""

    answers = True
    activation_error = None

    def __init__(self, machine: str, addresses: list[str], ipv6: bool = True) -> None:
        self.machine = machine
        self.service: Any = None  # the host's KeyManagementService, once attached
        super().__init__(machine, addresses, ipv6, True)

    @property
    def port(self) -> int | None:
        """The port its KMS listens on, None when it does not run."""
        return None if self.service is None else self.service.port()

    def serves(self, port: int) -> bool:
        return self.service is not None and self.service.accepting(port)


_LOOPBACK = {socket.AF_INET: "127.0.0.1", socket.AF_INET6: "::1"}


def _bound(family: int, host: str, port: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def _close(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def default_addresses(index: int) -> list[str]:
    """One IPv4 and one IPv6 documentation address for the index-th KMS host name."""
    return ["192.0.2.%d" % (10 + index), "2001:db8::%x" % (0x10 + index)]


class Network:
    """Name resolution and TCP connections as seen from the emulated hosts."""

    def __init__(self, specs: list[KmsHostSpec], bind_address: str = "127.0.0.1") -> None:
        del bind_address  # stand-ins always listen on both loopbacks
        self.ipv6 = ipv6_loopback_available()
        self.kms: dict[tuple[str, int], KmsStandIn] = {}
        self.machines: dict[str, MachineListener] = {}  # lab hosts on the KMS network, by host name
        self.served_by: dict[str, str] = {}  # a DNS name -> the lab host that serves it
        self.names: dict[str, list[str]] = {}  # the DNS every host sees, unless its view overrides
        self.srv: dict[str, list[dict[str, Any]]] = {}  # published _vlmcs._tcp records, by domain
        self._lock = threading.Lock()
        self._closed: dict[int, socket.socket] = {}
        try:
            for spec in specs:
                name = spec.name.lower().rstrip(".")
                machine = getattr(spec, "machine", None)
                if machine:
                    self._serve(name, machine, spec.addresses)
                    continue
                if name not in self.names:
                    self.names[name] = list(spec.addresses or self._free_addresses())
                elif spec.addresses and spec.addresses != self.names[name]:
                    raise ValueError("KMS host %s: all its ports must have the same addresses" % spec.name)
                self.kms[(name, spec.port)] = KmsStandIn(spec, self.names[name], ipv6=self.ipv6)
            self._check_addresses()
            # Bound, never-listening sockets: where connections to a served address on a port no
            # stand-in serves go, so they are refused for real.
            self._closed = {f: _bound(f, _LOOPBACK[f], 0) for f in ([socket.AF_INET] + [socket.AF_INET6] * self.ipv6)}
        except BaseException:
            self.close()
            raise

    def _free_addresses(self) -> list[str]:
        taken = {parse_address(a) for addresses in self.names.values() for a in addresses}
        index = len(self.names)
        while any(parse_address(a) in taken for a in default_addresses(index)):
            index += 1
        return default_addresses(index)

    def _serve(self, name: str, machine: str, addresses: list[str] | None) -> MachineListener:
        """``name`` resolves to the lab host ``machine`` (one set of addresses per machine)."""
        listener = self.machines.get(machine.lower())
        if listener is None:
            listener = MachineListener(machine, list(addresses or self._free_addresses()), ipv6=self.ipv6)
            self.machines[machine.lower()] = listener
        elif addresses and addresses != listener.addresses:
            raise ValueError("KMS host names of the machine %s must have the same addresses" % machine)
        if name in self.names and self.served_by.get(name) != machine.lower():
            raise ValueError("the name %s is given twice" % name)
        self.names[name] = listener.addresses
        self.served_by[name] = machine.lower()
        return listener

    def _check_addresses(self) -> None:
        owners: dict[Any, str] = {}
        for name, addresses in self.names.items():
            owner = self.served_by.get(name, name)
            for address in addresses:
                other = owners.setdefault(parse_address(address), owner)
                if other != owner:  # one address, one machine
                    raise ValueError("KMS hosts %s and %s both claim the address %s" % (other, owner, address))

    def attach(self, machine: str, service: Any, fqdn: str | None = None) -> MachineListener:
        """Put the lab host ``machine`` on the KMS network with its Key Management Service: the
        names the scenario gives it, and its own FQDN, resolve to it."""
        listener = self._serve(fqdn.lower().rstrip("."), machine, None) if fqdn and \
            fqdn.lower().rstrip(".") not in self.names else self.machines.get(machine.lower())
        if listener is None:
            raise ValueError("the lab host %s has no name on the network" % machine)
        listener.service = service
        self._check_addresses()
        return listener

    def stand_in(self, name: str, port: int = 1688) -> KmsStandIn | MachineListener:
        """The stand-in for a name and port, or the lab host that serves the name (any port)."""
        key = name.lower().rstrip(".")
        if key in self.served_by:
            return self.machines[self.served_by[key]]
        return self.kms[(key, port)]

    # -- the DNS zone's SRV records the KMS hosts publish -------------------------------------------
    def publish(self, domain: str, target: str, port: int, priority: int = 0, weight: int = 0) -> None:
        """A KMS host registers _vlmcs._tcp.<domain> -> target:port with a priority and weight (0
        unless its DnsDomainPublishList gives others, docs/licensing-facts.md §12.2): a new
        record, or its own record updated."""
        with self._lock:
            records = self.srv.setdefault(domain.lower().rstrip("."), [])
            for record in records:
                if record["target"].lower() == target.lower():
                    record.update(port=port, priority=priority, weight=weight)
                    return
            records.append({"target": target, "port": port, "priority": priority, "weight": weight})

    def unpublish(self, domain: str, target: str) -> None:
        """The DNS administrator deletes a KMS host's record."""
        with self._lock:
            records = self.srv.get(domain.lower().rstrip("."), [])
            records[:] = [r for r in records if r["target"].lower() != target.lower()]

    def published(self, domain: str) -> list[dict[str, Any]]:
        """The _vlmcs._tcp records of a domain, in the order they were registered."""
        with self._lock:
            return [dict(r) for r in self.srv.get(domain.lower().rstrip("."), [])]

    def resolve(self, host: str, view: Mapping[str, list[str]] | None = None) -> list[str]:
        """The addresses ``host`` resolves to, in order, as [Net.Dns]::GetHostAddresses gives
        them; an IP literal resolves to itself. Raises ResolveError."""
        if parse_address(host) is not None:
            return [host]
        name = host.lower().rstrip(".")
        overrides = {k.lower().rstrip("."): v for k, v in (view or {}).items()}
        addresses = overrides[name] if name in overrides else self.names.get(name)
        if not addresses:
            raise ResolveError("No such host is known")
        return list(addresses)

    def connect(self, address: str, port: int, timeout: float) -> KmsStandIn | None:
        """A real TCP connection to the emulated ``address``:``port``; returns the stand-in
        that accepted it. Raises ConnectionRefusedError, TimeoutError or OSError."""
        parsed = parse_address(address)
        if parsed is None:
            raise ValueError("not an IP address: %r" % address)
        family = socket.AF_INET6 if parsed.version == 6 else socket.AF_INET
        owner: _Listener | None = None
        serves = False
        for endpoint in [*self.kms.values(), *self.machines.values()]:
            if any(parse_address(a) == parsed for a in endpoint.addresses):
                owner = endpoint
                if endpoint.serves(port):
                    serves = True
                    break
        else:
            if owner is None:  # nobody answers at that address: the SYN goes unanswered
                time.sleep(timeout)
                raise TimeoutError("timed out")
        if family not in self._closed:
            raise OSError(97, "Address family not supported by protocol")
        target = owner.real[family] if owner is not None and serves else self._closed[family].getsockname()
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(target[:2] if family == socket.AF_INET else target)
            try:  # the stand-in counts the contact, then closes: wait for that, so counts are exact
                sock.recv(1)
            except OSError:
                pass
        return owner if serves else None

    def close(self) -> None:
        for endpoint in [*self.kms.values(), *self.machines.values()]:
            endpoint.close()
        for sock in self._closed.values():
            sock.close()
