"""Hostile input, property-based: every value of kms_host, kms_port, products and product_key
is either refused on the controller with an error naming the option, or reaches the host as
data equal to what was given, never as PowerShell code.

"Reaches the host" is checked with the simulated lab's own reader (HostEmulator._recognise:
the parameter line regex, base64, JSON), applied to the exact command and standard input the
plugins hand to the connection. tests/integration/test_hostile_input.py runs the same
strategies end to end through ansible-playbook and WinRM.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.module_utils import apply, inspection, licensing, plan, remote
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.simlab.emulator import HostEmulator
from tests.simlab.wsman import CommandRequest
from tests.unit.factories import KMS_SKU, raw_product

EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIRST_LINE = re.compile(rb"\$ParamsB64 = '[A-Za-z0-9+/=]*'")

# Pieces that mean something to PowerShell, cmd.exe, JSON, YAML or a terminal.
HOSTILE_PIECES = [
    "'", '"', "`", "$(", ")", "${", "}", ";", "|", "&", "&&", ">", "<", "\n", "\r\n", "\r", "\x00", "\x1b[2J",
    "@'", "'@", "@\"", "#", "<#", "#>", "$", " ", "\t", "%", "^", "[", "]", ":", ".", "-", "_", "\\", "/",
    "\u2018", "\u2019", "\u201c", "\u201d", "\u200b", "\ufeff", "\u2028", "--%", "-EncodedCommand", "$env:x",
    "Stop-Computer", "exit 1",
]
TEXT = st.characters(codec="utf-8")  # any Unicode scalar value: no lone surrogates
LABEL = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?", fullmatch=True)
IDN_LABEL = st.text(st.characters(categories=["Ll", "Lu", "Lo", "Nd", "Mn"]), min_size=1, max_size=12)
DNS_NAMES = st.lists(st.one_of(LABEL, IDN_LABEL), min_size=1, max_size=5).map(".".join)
SPLICED = st.tuples(DNS_NAMES, st.sampled_from(HOSTILE_PIECES), st.text(TEXT, max_size=20)).map("".join)
HOSTILE_TEXT = st.lists(st.sampled_from([*HOSTILE_PIECES, "a", "kms", "1", "é", "例"]), max_size=12).map("".join)
LONG_NAMES = st.builds(lambda label, count, tail: ".".join([label] * count) + tail,
                       LABEL, st.integers(1, 80), st.sampled_from(["", ".", "\n", "'"]))
LONG_TEXT = st.text(TEXT, min_size=200, max_size=3000)

KMS_HOSTS = st.one_of(
    DNS_NAMES, SPLICED, HOSTILE_TEXT, LONG_NAMES, LONG_TEXT, st.text(TEXT, max_size=40),
    st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(str), st.ip_addresses(v=6).map("[{}]".format),
    st.ip_addresses(v=6).map(str).flatmap(lambda a: st.text(TEXT, max_size=12).map(("%s%%" % a).__add__)),
)
KMS_PORTS = st.one_of(st.integers(-10, 70_000), st.integers(), st.booleans())
FAMILIES = ["ProPlus2024Volume", "proplus2024volume", "VisioPro2024Volume", "ProjectPro2021Volume", "Word2019Volume"]
PRODUCT_ENTRIES = st.one_of(
    st.sampled_from(FAMILIES), st.just(KMS_SKU), st.just("{%s}" % KMS_SKU.upper()), st.uuids().map(str),
    HOSTILE_TEXT, SPLICED, st.text(TEXT, max_size=30),
    st.tuples(st.sampled_from(FAMILIES + [KMS_SKU]), st.sampled_from(["\n", "\n; calc", " ", "\x00"])).map("".join),
)
PRODUCTS = st.one_of(st.none(), st.lists(PRODUCT_ENTRIES, max_size=4))
KEY_CHARS = "BCDFGHJKMPQRTVWXY2346789abcdefghjkmpqrtvwxy"
VALID_KEYS = st.lists(st.text(st.sampled_from(KEY_CHARS), min_size=5, max_size=5), min_size=5, max_size=5).map(
    "-".join)
PRODUCT_KEY_TEXT = st.one_of(
    st.just("auto"), VALID_KEYS, VALID_KEYS.map(" {}\t".format),
    st.tuples(VALID_KEYS, st.sampled_from(HOSTILE_PIECES)).map("".join),
    st.tuples(st.sampled_from(HOSTILE_PIECES), VALID_KEYS).map("".join), HOSTILE_TEXT, st.text(TEXT, max_size=40),
    # Letters whose upper case is ASCII (long s, dotless i) or that look like it (fullwidth, Kelvin).
    st.tuples(VALID_KEYS, st.integers(0, 28), st.sampled_from("\u017f\u0131\uff21\u212a\u0391")).map(
        lambda t: t[0][:t[1]] + t[2] + t[0][t[1] + 1:]),
)
PRODUCT_KEYS = st.none() | PRODUCT_KEY_TEXT

READER = HostEmulator(state=None, network=None)  # only its reader is used


def arrives(command: str, in_data: bytes) -> dict[str, Any]:
    """What the simulated host reads from a command line and its standard input."""
    assert FIRST_LINE.fullmatch(in_data.split(b"\n", 1)[0]), in_data[:200]
    program, _, arguments = command.partition(" ")
    name, params, problem = READER._recognise(CommandRequest("pc", program, [arguments], in_data))
    assert problem is None, problem
    return {"script": name, "params": params}


class Host:
    """Stands in for _low_level_execute_command: records what would travel, answers with a
    document the plugins accept (one keyed Office product)."""

    def __init__(self, products: list[dict[str, Any]] | None = None) -> None:
        self.received: list[dict[str, Any]] = []
        self.products = products or []

    def __call__(self, command: str, in_data: bytes, sudoable: bool) -> dict[str, Any]:
        self.received.append(arrives(command, in_data))
        return {"rc": 0, "stderr": "", "stdout": json.dumps({"ok": True, "spp": self.products, "steps": []})}


OFFICE_2024 = raw_product("Office 24, Office24ProPlus2024VL_KMS_Client_AE edition",
                          "Office 24, VOLUME_KMSCLIENT channel", KMS_SKU, status=2, days=30)


def refused(exc: ValueError, option: str) -> None:
    """A refusal names the option it is about."""
    assert str(exc).startswith(option), (option, str(exc))


@EXAMPLES
@given(value=KMS_HOSTS)
def test_kms_host_is_refused_by_name_or_arrives_as_given(value):
    try:
        inspection.check_options(value, 1688, 5.0)
    except ValueError as exc:
        refused(exc, "kms_host")
        return
    host = Host()
    inspection.inspect_host(host, value, 1688, 5.0, include_windows=False)
    [received] = host.received
    assert received["script"] == "office_kms_inspect"
    # An IPv6 literal may come in brackets, as in a URL; the host gets the address.
    bracketed = value.startswith("[") and value.endswith("]")
    assert received["params"]["kms_host"] == (value[1:-1] if bracketed else value)


@EXAMPLES
@given(value=KMS_PORTS)
def test_kms_port_is_refused_by_name_or_arrives_as_given(value):
    try:
        inspection.check_options("kms.example.edu", value, 5.0)
    except ValueError as exc:
        refused(exc, "kms_port")
        return
    host = Host()
    inspection.inspect_host(host, "kms.example.edu", value, 5.0, include_windows=False)
    assert host.received[0]["params"]["kms_port"] == value
    assert 1 <= value <= 65535


def apply_call(desired: plan.Desired) -> dict[str, Any] | None:
    """What the apply call would send for ``desired`` on a host with Office LTSC 2024."""
    products = [licensing.product(OFFICE_2024, "SoftwareLicensingProduct")]
    host_plan = plan.plan_host(products, desired)
    if not host_plan.changes:
        return None
    host = Host([OFFICE_2024])
    apply.apply_plan(host, host_plan, desired, check_reachable=True, connect_timeout=5.0)
    [received] = host.received
    assert received["script"] == "office_kms_apply"
    return received["params"]


@EXAMPLES
@given(value=PRODUCT_KEYS)
def test_product_key_is_refused_by_name_or_arrives_as_given(value):
    desired = plan.Desired(kms_host="kms.example.edu", product_key=value)
    try:
        plan.check_desired(desired)
    except ValueError as exc:
        refused(exc, "product_key")
        assert value not in str(exc) or len(value) <= 5  # the key is never echoed whole
        return
    params = apply_call(desired)
    installed = [s["value"] for j in params["jobs"] for s in j["steps"] if s["action"] == "install_key"]
    if value is None or value == "auto":
        assert installed == []  # GCVGB is already the GVLK's; nothing given travels
    else:
        # Keys are case-insensitive and may be pasted with blanks around them; nothing else
        # about them changes on the way.
        [key] = installed
        assert key == value.strip().upper()
        assert key.lower() == value.strip().lower()


@EXAMPLES
@given(value=PRODUCTS)
def test_products_are_refused_by_name_or_only_select(value):
    desired = plan.Desired(kms_host="kms.example.edu", products=value)
    try:
        plan.check_desired(desired)
    except ValueError as exc:
        refused(exc, "products")
        return
    assert all(entry.strip() == entry and entry.isprintable() for entry in value or [])
    params = apply_call(desired)
    # The products option selects on the controller; the host gets SKU IDs it reported.
    jobs = params["jobs"] if params else []
    assert [j["id"] for j in jobs] in ([], [KMS_SKU])
    if params:
        assert {s["value"] for j in jobs for s in j["steps"]} <= {"kms.example.edu", None}


@EXAMPLES
@given(kms_host=KMS_HOSTS, kms_port=KMS_PORTS, products=PRODUCTS, product_key=PRODUCT_KEYS,
       state=st.sampled_from(plan.STATES))
def test_any_combination_is_refused_or_travels_as_data(kms_host, kms_port, products, product_key, state):
    desired = plan.Desired(state=state, kms_host=kms_host, kms_port=kms_port, products=products,
                           product_key=product_key)
    try:
        inspection.check_options(kms_host, kms_port, 5.0)
        plan.check_desired(desired)
        plan.plan_host([licensing.product(OFFICE_2024, "SoftwareLicensingProduct")], desired)
    except plan.PlanError as exc:
        assert str(exc).split(":")[0].split(" ")[0] in ("products", "product_key", "state"), str(exc)
        return
    except ValueError as exc:
        assert str(exc).split(" ")[0] in ("kms_host", "kms_port"), str(exc)
        return
    params = apply_call(desired)
    if params:
        assert params["kms_host"] == desired.kms_host
        assert params["kms_port"] == desired.kms_port


@EXAMPLES
@given(params=st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(TEXT),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(TEXT, max_size=10), inner, max_size=4),
    max_leaves=20,
).flatmap(lambda v: st.dictionaries(st.text(TEXT, max_size=10), st.just(v), min_size=1, max_size=3)))
def test_any_parameter_document_travels_as_data(params):
    """Whatever the parameters, the first line of standard input holds only base64 inside
    its quotes, and the host reads back exactly the document sent."""
    data = remote.build_stdin("office_kms_inspect", params)
    assert arrives(remote.bootstrap_command(), data)["params"] == params
