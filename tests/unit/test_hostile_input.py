"""Hostile input, property-based: every value of kms_host, kms_port, products and product_key
is either refused on the controller with an error naming the option, or reaches the host as
data equal to what was given (kms_host in its one checked form: A-labels, no brackets), never
as PowerShell code. And the value checked is the value sent: for any value the modules accept,
what the programs carry to the host equals what the module returns as used.

"Reaches the host" is checked with a reader that does what kms_bootstrap.ps1 does with the exact
command and standard input the plugins hand to the connection: the script block is the text
before the first four NULs (which must be the executor as shipped), the program is base64 of
UTF-8 JSON after them (docs/host-operations.md). tests/integration/test_hostile_input.py runs
the same strategies end to end through ansible-playbook and WinRM.
"""

from __future__ import annotations

import base64
import ipaddress
import json
from decimal import Decimal
from typing import Any
from unittest import mock

import idna
import pytest
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible_collections.volume_licensing.kms.plugins.action import office_kms as office_action
from ansible_collections.volume_licensing.kms.plugins.action import office_kms_info as info_action
from ansible_collections.volume_licensing.kms.plugins.action import windows_kms as windows_action
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import apply, hostops, inspection, licensing, options
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import plan as planning
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import OptionError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.unit.factories import KMS_SKU, executor_code, raw_product

EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXECUTOR = executor_code()

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


def arrives(command: str, in_data: bytes) -> dict[str, Any]:
    """The program the host runs, read from a command line and its standard input as the
    bootstrap reads them."""
    assert command == hostops.bootstrap_command()
    script, separator, program = in_data.decode("utf-8").partition("\0\0\0\0")
    assert separator, in_data[:200]
    assert script == EXECUTOR  # the only text that becomes a script block
    return json.loads(base64.b64decode(program.strip(), validate=True).decode("utf-8"))


class Host:
    """Stands in for _low_level_execute_command: records each program that would travel, and
    answers as the executor does (one keyed Office product, a reachable KMS host)."""

    def __init__(self, products: list[dict[str, Any]] | None = None) -> None:
        self.received: list[list[dict[str, Any]]] = []
        self.products = products if products is not None else [OFFICE_2024]

    def __call__(self, command: str, in_data: bytes, sudoable: bool) -> dict[str, Any]:
        program = arrives(command, in_data)
        assert program["version"] == 1
        self.received.append(program["operations"])
        return {"rc": 0, "stderr": "", "stdout": json.dumps({"executor": 1, "results": [
            {"id": op["id"], "op": op["op"], "status": "ok", "data": self.data(op)} for op in program["operations"]]})}

    def data(self, op: dict[str, Any]) -> dict[str, Any]:
        if op["op"] == "cim_invoke":
            return {"return_value": 0}
        if op["op"] == "tcp_connect":
            return {"reachable": True, "connected": "192.0.2.10", "addresses": [], "error": None, "hresult": None}
        if op["op"] == "cim_query" and op["class"] == "SoftwareLicensingProduct":
            return {"instances": self.products}
        return {"instances": []} if op["op"] == "cim_query" else {}


OFFICE_2024 = raw_product("Office 24, Office24ProPlus2024VL_KMS_Client_AE edition",
                          "Office 24, VOLUME_KMSCLIENT channel", KMS_SKU, status=2, days=30)


def refused(exc: ValueError, option: str) -> None:
    """A refusal names the option it is about."""
    assert str(exc).startswith(option), (option, str(exc))


def first_word(exc: Exception) -> str:
    """The option (or "state") an error message starts with: "kms_port: ..." or "products ..."."""
    return str(exc).split(":", maxsplit=1)[0].split(" ", maxsplit=1)[0]


def connection(kms_host: Any = "kms.example.edu", kms_port: Any = 1688) -> dict[str, Any]:
    return options.connection({"kms_host": kms_host, "kms_port": kms_port, "connect_timeout": 5.0})


def office_kms(**given: Any) -> planning.Desired:
    args = {name: spec.get("default") for name, spec in options.SPECS["office_kms"].items()}
    args.update(kms_host="kms.example.edu")
    args.update(given)
    return options.office_kms(args)


def reach_of(program: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [op for op in program if op["op"] == "tcp_connect"]


@EXAMPLES
@given(value=KMS_HOSTS)
def test_kms_host_is_refused_by_name_or_arrives_as_given(value):
    try:
        args = connection(kms_host=value)
    except OptionError as exc:
        refused(exc, "kms_host")
        return
    host = Host()
    inspection.inspect_host(host, ("office",), args["kms_host"], args["kms_port"], args["connect_timeout"])
    [received] = host.received
    [reach] = reach_of(received)
    assert reach["host"] == args["kms_host"]
    assert_sent_form(value, reach["host"])


def unicode_labels(name: str) -> list[str]:
    """A name's labels as IDNA 2008 reads them: A-labels decoded, the others in lower case."""
    return [idna.ulabel(label) if label[:4].lower() == "xn--" else label.lower() for label in name.split(".")]


def method_form(host: str) -> str:
    """How SetKeyManagementServiceMachine is given a KMS host: an IPv6 literal in brackets,
    as slmgr.vbs writes it (docs/licensing-facts.md §11.1)."""
    return "[%s]" % host if ":" in host else host


def assert_sent_form(value: str, sent: str) -> None:
    """What reaches the host for an accepted kms_host: an IP address in canonical form
    (an IPv6 literal without the brackets a URL puts around it), any other ASCII value as
    given, a name that is not ASCII as the same name in A-labels: decoded, the labels sent
    are the labels given as UTS #46 maps them (case folded, compatibility characters written
    plainly, ignorables dropped, the full stops of other scripts taken as dots)."""
    bracketed = value.startswith("[") and value.endswith("]")
    try:
        address = str(ipaddress.ip_address(value[1:-1] if bracketed else value))
    except ValueError:
        address = None
    if address is not None:
        assert sent == address
    elif value.isascii():
        assert sent == value
    else:
        assert sent.isascii()
        assert unicode_labels(sent) == unicode_labels(idna.uts46_remap(value, std3_rules=False))
    assert options.kms_host(sent) == sent  # the form sent is its own normal form


@EXAMPLES
@given(value=KMS_PORTS)
def test_kms_port_is_refused_by_name_or_arrives_as_given(value):
    try:
        args = connection(kms_port=value)
    except OptionError as exc:
        refused(exc, "kms_port")
        return
    host = Host()
    inspection.inspect_host(host, ("office",), args["kms_host"], args["kms_port"], args["connect_timeout"])
    [reach] = reach_of(host.received[0])
    assert reach["port"] == value
    assert 1 <= value <= 65535


def apply_call(desired: planning.Desired) -> list[dict[str, Any]] | None:
    """The program the apply call would send for ``desired`` on a host with Office LTSC 2024."""
    products = [licensing.product(OFFICE_2024, "SoftwareLicensingProduct")]
    host_plan = planning.plan_host(products, desired)
    if not host_plan.changes:
        return None
    host = Host()
    apply.apply_plan(host, host_plan, desired)
    [received] = host.received
    assert received == apply.program(host_plan, desired)
    return received


def arguments(program: list[dict[str, Any]], method: str | None = None) -> list[Any]:
    return [a["value"] for op in program if op["op"] == "cim_invoke" and method in (None, op["method"])
            for a in op["arguments"]]


@EXAMPLES
@given(value=PRODUCT_KEYS)
def test_product_key_is_refused_by_name_or_arrives_as_given(value):
    try:
        desired = office_kms(product_key=value)
    except OptionError as exc:
        refused(exc, "product_key")
        # The key is never echoed whole: only its last five characters, shown as repr() (which
        # doubles a backslash, so "\\0000" can look like a longer tail of the value).
        rest = str(exc).replace(repr(value.strip()[-5:]), "")
        assert value not in rest or len(value) <= 5
        return
    program = apply_call(desired)
    installed = arguments(program, "InstallProductKey")
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
    try:
        desired = office_kms(products=value)
    except OptionError as exc:
        refused(exc, "products")
        return
    assert all(entry.strip() == entry and entry.isprintable() for entry in value or [])
    program = apply_call(desired) or []
    # The products option selects on the controller; the host gets SKU IDs it reported.
    invoked = [op for op in program if op["op"] == "cim_invoke"]
    assert {op["group"] for op in invoked} in (set(), {"sku:" + KMS_SKU})
    assert {op["where"] for op in invoked if op["class"] == "SoftwareLicensingProduct"} <= {"ID='%s'" % KMS_SKU}
    assert set(arguments(program)) <= {"kms.example.edu"}


@EXAMPLES
@given(kms_host=KMS_HOSTS, kms_port=KMS_PORTS, products=PRODUCTS, product_key=PRODUCT_KEYS,
       state=st.sampled_from(options.STATES))
def test_any_combination_is_refused_or_travels_as_data(kms_host, kms_port, products, product_key, state):
    try:
        desired = office_kms(state=state, kms_host=kms_host, kms_port=kms_port, products=products,
                             product_key=product_key)
        planning.plan_host([licensing.product(OFFICE_2024, "SoftwareLicensingProduct")], desired)
    except planning.PlanError as exc:
        assert first_word(exc) in ("products", "product_key", "state"), str(exc)
        return
    except OptionError as exc:
        assert first_word(exc) in ("kms_host", "kms_port", "products", "product_key", "state"), str(exc)
        return
    program = apply_call(desired)
    if program:
        for reach in reach_of(program):
            assert (reach["host"], reach["port"]) == (desired.kms_host, desired.kms_port)
        assert set(arguments(program, "SetKeyManagementServiceMachine")) <= {method_form(desired.kms_host)}
        assert set(arguments(program, "SetKeyManagementServicePort")) <= {desired.kms_port}
        if desired.kms_host:
            assert_sent_form(kms_host, desired.kms_host)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(TEXT),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(TEXT, max_size=10), inner, max_size=4),
    max_leaves=20,
)


@EXAMPLES
@given(operations=st.lists(st.dictionaries(st.text(TEXT, max_size=10), JSON_VALUES, min_size=1, max_size=4),
                           max_size=4))
def test_any_program_travels_as_data(operations):
    """Whatever the operations hold, the script block is the executor as shipped, and the host
    reads back exactly the program sent."""
    data = hostops.build_stdin(operations)
    assert arrives(hostops.bootstrap_command(), data) == {"version": 1, "operations": operations}


# -- the value checked is the value sent (issue 11) -------------------------------------------
# Task arguments as an operator may write them, before Ansible's type checks: Ansible's int
# type takes "1e3", "+1688" and full-width digits, its float type "1e-9" and True. Three in
# four draws are values that should pass, so that what is sent is compared often.
def mostly(plausible: st.SearchStrategy, hostile: st.SearchStrategy) -> st.SearchStrategy:
    return st.integers(0, 3).flatmap(lambda draw: plausible if draw else hostile)


# Labels in one script each (upper case too: IDNA folds it), and in the mixes that are allowed.
ALPHABETS = ["äöüéèçñÄÖÜabc", "абвгдежАБВ", "αβγδεζΑΒ", "例えキーき漢kms", "캠퍼스한漢kms", "كمس", "שרת"]
SCRIPT_LABELS = st.sampled_from(ALPHABETS).flatmap(lambda letters: st.text(st.sampled_from(letters), min_size=1,
                                                                           max_size=10))
SCRIPT_NAMES = st.lists(st.one_of(LABEL, SCRIPT_LABELS), min_size=1, max_size=4).map(".".join)
# Names worth a normal form: IPv6 in brackets, internationalised, full-width, mixed scripts.
FORMS = st.sampled_from(["[::1]", "[2001:DB8::10]", "[fe80::1%12]", "例え.jp", "KMS.Universität.example",
                         "\uff4b\uff4d\uff53.example", "kms-сервер.example", "xn--r8jz45g.jp", "XN--R8JZ45G.jp",
                         "straße.de", "кмс.рф", "キー-kms.例え.jp", "kms.example.edu."])
TASK_HOSTS = mostly(st.one_of(FORMS, SCRIPT_NAMES, st.ip_addresses().map(str),
                              st.ip_addresses(v=6).map("[{}]".format)), KMS_HOSTS)
TASK_PORTS = mostly(
    st.one_of(st.integers(1, 65535), st.integers(1, 65535).map(str), st.integers(1, 65535).map("0{}".format)),
    st.one_of(st.integers(-10, 70_000), st.booleans(), st.floats(allow_nan=True),
              st.sampled_from(["1e3", "+1688", "\uff11\uff16\uff18\uff18", "\u0661\u0666\u0668\u0668", "1688.0",
                               " 1688", "1_688", "0x698", "Infinity"]),
              st.text(st.sampled_from("0123456789+-_.eE \uff10\uff18"), max_size=7)))
TASK_TIMEOUTS = mostly(
    st.one_of(st.floats(0.1, 300), st.integers(1, 300), st.from_regex(r"[1-9][0-9]?(\.[0-9]{0,5})?", fullmatch=True)),
    st.one_of(st.floats(-1, 400), st.floats(1e-12, 0.2), st.integers(-5, 400), st.booleans(),
              st.sampled_from(["1e-9", "1e-1", "0.1004", "0.0996", "\uff15", "nan", "inf", "5 ", ".5"])))
ACTIONS = {"office_kms_info": info_action.ActionModule, "office_kms": office_action.ActionModule,
           "windows_kms": windows_action.ActionModule}
WINDOWS_10 = raw_product("Windows(R), Education edition", "Windows(R) Operating System, VOLUME_KMSCLIENT channel",
                         "2de67392-b7a7-462a-b1ca-108dd189f588", app=licensing.WINDOWS_APP_ID, status=5, days=None)


def run_action(action_class: Any, task_args: dict[str, Any], host: Host, *, hostname: str,
               check_mode: bool = False) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """An action plugin run as Ansible runs it, over ``host`` (a connection that records every
    program sent and answers as the executor does): its result and the programs."""
    task = Task()
    task.args = task_args
    task.check_mode = check_mode
    task.diff = False
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    action = action_class(task, connection, PlayContext(), loader=None, templar=None, shared_loader_obj=None)
    action._low_level_execute_command = host
    return action.run(task_vars={"inventory_hostname": hostname}), host.received


def run_module(module: str, task_args: dict[str, Any]) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """The module's action plugin over a host with one Windows or Office product."""
    host = Host([WINDOWS_10] if module == "windows_kms" else [OFFICE_2024])
    return run_action(ACTIONS[module], task_args, host, hostname="pc01")


def sent_values(programs: list[list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """Every KMS host, port and timeout the programs carry to the host."""
    ops = [op for program in programs for op in program]
    sent = {"kms_host": [], "kms_port": [], "timeout_ms": []}
    for op in ops:
        if op["op"] == "tcp_connect":
            sent["kms_host"].append(op["host"])
            sent["kms_port"].append(op["port"])
            sent["timeout_ms"].append(op["timeout_ms"])
        elif op["op"] == "dns_srv" and op["timeout_ms"] is not None:
            sent["timeout_ms"].append(op["timeout_ms"])
        elif op["op"] == "cim_invoke":
            for argument in op["arguments"]:
                if op["method"] == "SetKeyManagementServiceMachine":
                    value = argument["value"]
                    assert value == method_form(value.strip("[]"))
                    sent["kms_host"].append(value.strip("[]"))
                elif op["method"] == "SetKeyManagementServicePort":
                    sent["kms_port"].append(argument["value"])
    return sent


@EXAMPLES
@given(module=st.sampled_from(sorted(ACTIONS)), kms_host=TASK_HOSTS, kms_port=TASK_PORTS,
       connect_timeout=TASK_TIMEOUTS)
@example(module="office_kms", kms_host="A", kms_port=1, connect_timeout="2.0105")  # a half-ms tie
def test_the_value_sent_is_the_value_returned(module, kms_host, kms_port, connect_timeout):
    task_args = {"kms_host": kms_host, "kms_port": kms_port, "connect_timeout": connect_timeout}
    result, programs = run_module(module, task_args)
    if result.get("failed") and result["msg"].startswith("Invalid option: "):
        assert programs == []  # refused on the controller: nothing sent
        return
    assert not result.get("failed"), result
    used = {name: result[name] for name in ("kms_host", "kms_port", "connect_timeout")}
    sent = sent_values(programs)
    # Something of each travelled (office_kms and windows_kms test, set and activate), and
    # exactly what the result says was used.
    assert sent["kms_host"] and sent["kms_port"] and sent["timeout_ms"]
    assert set(sent["kms_host"]) == {used["kms_host"]}
    assert set(sent["kms_port"]) <= {used["kms_port"]}
    assert {ms / 1000 for ms in sent["timeout_ms"]} == {used["connect_timeout"]}
    if module == "office_kms_info":
        reachability = result["kms_reachability"]
        assert (reachability["kms_host"], reachability["kms_port"], reachability["connect_timeout"]) == tuple(
            used.values())
    # The normal form: checked again, it is itself; and what it is made of.
    assert options.kms_host(used["kms_host"]) == used["kms_host"]
    assert_sent_form(kms_host, used["kms_host"])
    assert isinstance(used["kms_port"], int) and not isinstance(used["kms_port"], bool)
    assert 1 <= used["kms_port"] <= 65535
    assert str(used["kms_port"]) == (kms_port.lstrip("0") if isinstance(kms_port, str) else str(kms_port))
    assert isinstance(used["connect_timeout"], float) and 0.1 <= used["connect_timeout"] <= 300
    assert options.timeout_seconds(used["connect_timeout"]) == used["connect_timeout"]
    # Within half a millisecond of what was given, in exact decimal arithmetic (float subtraction
    # puts 2.01 - 2.0105 a hair above 0.0005).
    assert abs(Decimal(str(used["connect_timeout"])) - Decimal(str(float(connect_timeout)))) <= Decimal("0.0005")


@pytest.mark.parametrize(("task_args", "refused"), [
    ({"kms_port": "1e3"}, "kms_port"),
    ({"kms_port": "\uff11\uff16\uff18\uff18"}, "kms_port"),
    ({"kms_port": "+1688"}, "kms_port"),
    ({"connect_timeout": 1e-9}, "connect_timeout"),
    ({"connect_timeout": "1e-9"}, "connect_timeout"),
    ({"kms_host": "\uff11\uff19\uff12\uff0e\uff10\uff0e\uff12\uff0e\uff11"}, "kms_host"),  # full-width 192.0.2.1
    ({"kms_host": "kms-\u0441\u0435\u0440\u0432\u0435\u0440.example"}, "kms_host"),
    ({"kms_host": "stra\u00dfe.example"}, "kms_host"),  # xn--strae-oqa or strasse: IDNA 2008 or 2003
])
@pytest.mark.parametrize("module", sorted(ACTIONS))
def test_values_the_host_would_not_get_as_checked_are_refused(module, task_args, refused):
    result, programs = run_module(module, dict({"kms_host": "kms.example.edu"}, **task_args))
    assert result["failed"] and result["msg"].startswith("Invalid option: %s " % refused), result
    assert programs == []
