"""Hostile input end to end: hypothesis draws ~30 values per option, one ansible-playbook run
loops over them (office_kms_info kms_host and connect_timeout, office_kms kms_port / products /
product_key, one lab PC each, in parallel), and each loop result is either refused with
"Invalid option" with nothing sent to the host for it, or the lab recorded programs carrying
the value given, in the form the module returns as used (kms_host, kms_port, connect_timeout):
the value checked is the value sent.

The values travel in an extra-vars JSON file, not on the command line (no shell quoting in
between). Jinja opening delimiters are broken up here: Ansible renders templates in
variables before any plugin sees them (an operator writes !unsafe for literal braces); the
unit layer (tests/unit/test_hostile_input.py) gives the plugins such text directly.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import inspection
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import calls, run_playbook
from tests.simlab.lab import Lab
from tests.unit.test_hostile_input import (
    HOSTILE_TEXT,
    PRODUCT_ENTRIES,
    PRODUCT_KEY_TEXT,
    TASK_HOSTS,
    TASK_TIMEOUTS,
    assert_sent_form,
)

KMS = "kms.campus.example"
VALUES = 30
HOSTS = {"kms_host": "pc16-lab", "kms_port": "pc17-lab", "products": "pc18-lab", "product_key": "pc19-lab",
         "connect_timeout": "pc20-lab"}
INSTALLED = "GCVGB"  # last five characters of the key pc19-lab has (the ProPlus 2024 GVLK)
# office_kms's read program (kms_host is given: no DNS lookup): no option value travels in it.
READ = json.loads(json.dumps(inspection.read_program(lookup_dns=False)))
# ... and with products named: the Office licences installed without a key too (by a
# constant filter: the names themselves never travel).
READ_NAMED = json.loads(json.dumps(inspection.read_program(keyless_office=True, lookup_dns=False)))
PROPLUS = "ID='8d368fc1-9470-4be2-8d66-90e836cbb051'"
PLAYBOOK = """
- hosts: %(hosts)s
  gather_facts: false
  strategy: free
  tasks:
    - name: kms_host
      volume_licensing.kms.office_kms_info:
        kms_host: "{{ item }}"
        connect_timeout: 0.1  # the lab waits that long for an address nobody serves
      loop: "{{ hostile.kms_host if inventory_hostname == 'pc16-lab' else [] }}"
      loop_control: {index_var: i, label: "{{ i }}"}
      ignore_errors: true
    - name: kms_port
      volume_licensing.kms.office_kms:
        kms_host: %(kms)s
        kms_port: "{{ item }}"
      loop: "{{ hostile.kms_port if inventory_hostname == 'pc17-lab' else [] }}"
      loop_control: {index_var: i, label: "{{ i }}"}
      ignore_errors: true
    - name: products
      volume_licensing.kms.office_kms:
        kms_host: %(kms)s
        products: "{{ item }}"
      loop: "{{ hostile.products if inventory_hostname == 'pc18-lab' else [] }}"
      loop_control: {index_var: i, label: "{{ i }}"}
      ignore_errors: true
    - name: product_key
      volume_licensing.kms.office_kms:
        kms_host: %(kms)s
        product_key: "{{ item }}"
      loop: "{{ hostile.product_key if inventory_hostname == 'pc19-lab' else [] }}"
      loop_control: {index_var: i, label: "{{ i }}"}
      ignore_errors: true
    - name: connect_timeout
      volume_licensing.kms.office_kms_info:
        kms_host: %(kms)s
        connect_timeout: "{{ item }}"
      loop: "{{ hostile.connect_timeout if inventory_hostname == 'pc20-lab' else [] }}"
      loop_control: {index_var: i, label: "{{ i }}"}
      ignore_errors: true
""" % {"hosts": ",".join(HOSTS.values()), "kms": KMS}


def no_jinja(value: Any) -> Any:
    """The value with every Jinja opening delimiter ({{ {% {#) broken."""
    if isinstance(value, list):
        return [no_jinja(v) for v in value]
    return re.sub(r"\{(?=[{%#])", "(", value) if isinstance(value, str) else value


PORTS = st.one_of(st.integers(-100, 70_000), st.integers(-5, 70_000).map(str),
                  # Ansible's int type (Decimal) converts some of these; only integers and ASCII
                  # digits are taken. "inf" overflowed Ansible's check.
                  st.sampled_from(["1688", "1688.0", "1688.5", "1e3", " 1688 ", "\u0661\u0666\u0668\u0668", "0x698",
                                   "Infinity", "-inf", "NaN", "1_688", "+1688", "\uff11\uff16\uff18\uff18", "01688"]),
                  st.text(st.sampled_from(" 0123456789+-_.eExX$();|'\"`\n"), max_size=8), HOSTILE_TEXT)


# Cases worth running every time, besides what hypothesis draws.
KNOWN = {
    "kms_host": ["kms.campus.example", "[2001:db8::10]", "2001:db8::10", "fe80::1%$(Stop-Computer)", "例え.jp",
                 "xn--r8jz45g.jp", "kms;calc.exe", "$(Stop-Computer)", "kms`n", "kms'x", 'kms"x', "kms|x",
                 "kms\nx", "a" * 64, "a." * 130, "", "[::1]", "KMS.Universität.example",
                 "\uff4b\uff4d\uff53.campus.example", "kms-сервер.example", "straße.example"],
    "kms_port": ["Infinity", "-inf", "NaN", 1688, "1688", 0, 65536, "\u0661\u0666\u0668\u0668", "$(1688)", "1688;",
                 "1e3", "+1688", "\uff11\uff16\uff18\uff18", "1700", 1688.0],
    "products": [["ProPlus2024Volume"], ["ProPlus2024Volume\n"], ["{8D368FC1-9470-4BE2-8D66-90E836CBB051}"],
                 ["x;y"], ["ProPlus2024Volume", "$(Stop-Computer)"], []],
    "product_key": ["auto", " xj2xn-fw8rk-p4hmp-dkdbv-gcvgb ", "WQ7ZP-K3YNX-TLXAK-9X2VB-J4MRT'; calc",
                    "\u017fQ7ZP-K3YNX-TLXAK-9X2VB-J4MRT", "WQ7ZP-K3YNX-TLXAK-9X2VB-J4MRT\n", "`$(x)`"],
    "connect_timeout": [5, "0.5", 0.1004, 300, 1e-9, "1e-9", "\uff15", 301, True, "2.0004"],
}


def values(strategy):
    return st.lists(strategy.map(no_jinja), min_size=VALUES, max_size=VALUES)


def as_port(value: Any) -> int:
    """A port the modules accept: an integer, or ASCII digits."""
    assert (isinstance(value, int) and not isinstance(value, bool)) or (value.isascii() and value.isdigit()), value
    return int(value)


def check_loop(lab: Lab, run, option: str, given_values: list, check) -> tuple[int, int]:
    """Walk the loop results and the host's commands side by side: a refused value sent
    nothing; an accepted one sent remote_calls commands, which ``check`` inspects.
    Returns how many values were refused and how many accepted."""
    host = HOSTS[option]
    commands = lab.commands(host)
    [record] = run.results(host, option)
    results = record["result"]["results"]
    assert [r["item"] for r in results] == given_values
    cursor = refused = 0
    for value, result in zip(given_values, results, strict=True):
        # (ansible-core 2.20 and later leave "failed" out of a loop item's result as callbacks see it)
        if str(result.get("msg", "")).startswith("Invalid option: "):
            assert "Nothing was sent to %s." % host in result["msg"] and "remote_calls" not in result
            refused += 1
            continue
        assert "remote_calls" in result, result  # no other kind of failure: the host was asked
        sent = commands[cursor:cursor + result["remote_calls"]]
        cursor += result["remote_calls"]
        assert calls(lab, host)[cursor - len(sent):cursor] == ["read", "write"][:len(sent)]
        check(value, [c["program"]["operations"] for c in sent], result)
    assert cursor == len(commands), "commands the loop results do not account for"
    assert lab.requests(host).count("Command") == len(commands)  # and no other command either
    return refused, len(given_values) - refused


def read_part(program):
    """office_kms's read without its one resolution of kms_host (resolved, never connected to)."""
    [reach] = of_kind(program, "tcp_connect")
    assert (reach["id"], reach["host"], reach.get("connect")) == ("reach", KMS, False), reach
    return [op for op in program if op is not reach]


def of_kind(program, kind):
    return [op for op in program if op["op"] == kind]


def check_kms_host(value, sent, result):
    [inspect] = sent
    [reach] = of_kind(inspect, "tcp_connect")
    # The host was sent what the module returns as used, and that is the value given in its
    # one checked form (no brackets, A-labels).
    assert (reach["host"], reach["port"], reach["timeout_ms"] / 1000) == (
        result["kms_host"], result["kms_port"], result["connect_timeout"]) == (result["kms_host"], 1688, 0.1)
    assert_sent_form(value, result["kms_host"])


def check_kms_port(value, sent, result):
    assert result["kms_port"] == as_port(value)
    assert read_part(sent[0]) == READ  # office_kms reads, resolving the KMS host without connecting
    for program in sent[1:]:
        [reach] = of_kind(program, "tcp_connect")
        assert (reach["host"], reach["port"]) == (KMS, result["kms_port"]) == (result["kms_host"], as_port(value))
        ports = [a["value"] for op in of_kind(program, "cim_invoke") for a in op["arguments"]
                 if op["method"] == "SetKeyManagementServicePort"]
        assert ports == ([] if as_port(value) == 1688 else [result["kms_port"]])


def check_connect_timeout(value, sent, result):
    [inspect] = sent
    [reach] = of_kind(inspect, "tcp_connect")
    assert reach["timeout_ms"] / 1000 == result["connect_timeout"] == result["kms_reachability"]["connect_timeout"]
    assert 0.1 <= result["connect_timeout"] <= 300
    assert abs(result["connect_timeout"] - float(value)) <= 0.0005  # whole milliseconds of the value given


def check_products(value, sent, _result):
    assert read_part(sent[0]) == (READ_NAMED if value else READ)  # the products option selects; it never travels
    for program in sent[1:]:
        assert {op["where"] for op in of_kind(program, "cim_invoke") if op["where"]} == {PROPLUS}


def check_product_key(value, sent, _result):
    assert read_part(sent[0]) == READ
    installed = [a["value"] for program in sent[1:] for op in of_kind(program, "cim_invoke")
                 if op["method"] == "InstallProductKey" for a in op["arguments"]]
    if value == "auto" or value.strip().upper().endswith(INSTALLED):
        assert installed == []  # that key (the GVLK) is already installed
    else:
        assert installed == [value.strip().upper()]  # keys are case-insensitive


def test_hostile_values_are_refused_or_arrive_as_given(tmp_path_factory):
    seen: Counter[tuple[str, str]] = Counter()  # (option, refused|accepted) over all examples

    # One playbook run per example: a few examples, reproducible, and no shrinking (each step
    # of it would be another run); a failure shows the whole example.
    @settings(max_examples=5, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(kms_host=values(TASK_HOSTS), kms_port=values(PORTS),
           products=values(st.lists(PRODUCT_ENTRIES, max_size=3)), product_key=values(PRODUCT_KEY_TEXT),
           connect_timeout=values(TASK_TIMEOUTS))
    @example(kms_host=KNOWN["kms_host"], kms_port=KNOWN["kms_port"], products=KNOWN["products"],
             product_key=KNOWN["product_key"], connect_timeout=KNOWN["connect_timeout"])
    def one_run(kms_host, kms_port, products, product_key, connect_timeout):
        hostile = {"kms_host": kms_host, "kms_port": kms_port, "products": products, "product_key": product_key,
                   "connect_timeout": connect_timeout}
        workdir = tmp_path_factory.mktemp("hostile")
        extra = workdir / "hostile.json"
        extra.write_text(json.dumps({"hostile": hostile}, ensure_ascii=False), encoding="utf-8")
        with Lab.from_scenario("default") as lab:
            run = run_playbook(lab, PLAYBOOK, workdir, "-e", "@%s" % extra)
            assert "Traceback" not in run.stdout + run.stderr
            for option, check in (("kms_host", check_kms_host), ("kms_port", check_kms_port),
                                  ("products", check_products), ("product_key", check_product_key),
                                  ("connect_timeout", check_connect_timeout)):
                refused, accepted = check_loop(lab, run, option, hostile[option], check)
                seen[option, "refused"] += refused
                seen[option, "accepted"] += accepted

    one_run()
    # Both outcomes occurred for every option: each check above was exercised.
    assert all(seen[option, outcome] for option in HOSTS for outcome in ("refused", "accepted")), seen
