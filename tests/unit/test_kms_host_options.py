"""kms_host's options (plugins/plugin_utils/options.py): every value checked before anything is
sent, with a message naming the option, and host keys never shown but by their last five."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.volume_licensing.kms.plugins.action import kms_host as kms_host_action
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import options
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import KmsHostDesired, OptionError

from tests.unit.test_hostile_input import Host, run_action

KEY = "BCDFG-HJKMP-QRTVW-XY234-6789B"  # made up: not a published key
OTHER = "MNPQR-TVWXY-23467-89BCD-FGHJK"
GVLK_OFFICE = "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB"  # Office LTSC 2024 ProPlus (docs/licensing-facts.md §5.1)
GVLK_WINDOWS = "VDYBN-27WPP-V4HQT-9VMD4-VMK7H"  # Windows Server 2022 Standard (§5.2)


def checked(**given: Any) -> KmsHostDesired:
    args = {name: spec.get("default") for name, spec in options.SPECS["kms_host"].items()}
    args.update(given)
    return options.kms_host_options(args, given=given)


def test_defaults_leave_every_setting_but_the_port_alone():
    assert checked() == KmsHostDesired(host_keys=(), activate=True, listening_port=1688, dns_publishing=None,
                                       low_priority=None, activation_interval=None, renewal_interval=None,
                                       firewall=None, office_versions=())


def test_values_are_taken_as_the_host_is_sent_them():
    desired = checked(host_keys=[" %s " % KEY.lower(), OTHER], listening_port="1700", activation_interval=15,
                      renewal_interval="43200", dns_publishing=False, low_priority=True, firewall=False,
                      office_versions=["2024", "2016", "2024"], activate=False)
    assert desired == KmsHostDesired(host_keys=(KEY, OTHER), activate=False, listening_port=1700,
                                     dns_publishing=False, low_priority=True, activation_interval=15,
                                     renewal_interval=43200, firewall=False, office_versions=("2024", "2016"))


@pytest.mark.parametrize(("given", "words"), [
    ({"listening_port": 0}, "listening_port must be a TCP port number from 1 to 65535"),
    ({"listening_port": "1e3"}, "listening_port must be a TCP port number"),
    ({"activation_interval": 14}, "activation_interval must be a number of minutes from 15 to 43200"),
    ({"renewal_interval": 43201}, "renewal_interval must be a number of minutes from 15 to 43200"),
    ({"renewal_interval": "\uff11\uff15"}, "renewal_interval must be a number of minutes"),
    ({"firewall": True, "listening_port": 1689}, "lets in TCP port 1688 only, but listening_port is 1689"),
    ({"host_keys": ["auto"]}, "host_keys has no auto"),
    ({"host_keys": [KEY, "not-a-key"]}, "host_keys: entry 2 is not a product key"),
    ({"host_keys": [KEY + "\n"]}, None),  # stripped, as a key pasted with a line break
    ({"host_keys": [KEY.replace("B", "\u0392", 1)]}, "host_keys: entry 1 is not a product key"),  # Greek capital beta
    ({"host_keys": [GVLK_OFFICE]}, "host_keys: entry 1 (ending in GCVGB) is a KMS client key Microsoft publishes"),
    ({"host_keys": [KEY, GVLK_WINDOWS]}, "host_keys: entry 2 (ending in VMK7H) is a KMS client key"),
    ({"host_keys": [KEY, "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-6789B"]}, "host_keys: two keys end in 6789B"),
    ({"office_versions": ["2013"]}, "office_versions: '2013' is not one of 2016, 2019, 2021, 2024"),
])
def test_bad_values_are_refused_naming_the_option(given, words):
    if words is None:
        assert checked(**given).host_keys == (KEY,)
        return
    with pytest.raises(OptionError) as raised:
        checked(**given)
    assert words in str(raised.value)
    for key in given.get("host_keys") or []:  # a key is shown by its last five characters at most
        if isinstance(key, str) and len(key) > 5:
            assert key.strip()[:-5] not in str(raised.value)


def domains(*entries: dict[str, Any]) -> list[dict[str, Any]]:
    """Entries as Ansible's argument spec gives them: priority and weight default to 0."""
    return [dict({"priority": 0, "weight": 0}, **entry) for entry in entries]


def test_publishing_domains_are_taken_in_their_ascii_form():
    given = [{"domain": "Labs.Example.EDU."}, {"domain": "b\u00fccher.example", "priority": "10", "weight": 65535}]
    desired = options.kms_host_options(
        dict({name: spec.get("default") for name, spec in options.SPECS["kms_host"].items()},
             dns_publishing_domains=domains({"domain": "Labs.Example.EDU."},
                                            {"domain": "b\u00fccher.example", "priority": 10, "weight": 65535})),
        given={"dns_publishing_domains": given})
    assert desired.dns_publishing_domains == (("labs.example.edu", 0, 0), ("xn--bcher-kva.example", 10, 65535))
    assert checked().dns_publishing_domains is None  # omitted: left as it is
    assert checked(dns_publishing_domains=[]).dns_publishing_domains == ()


@pytest.mark.parametrize(("entries", "words"), [
    ([{"domain": "192.0.2.10"}], "dns_publishing_domains[1].domain '192.0.2.10' is an IP address, not a DNS domain"),
    ([{"domain": "labs.example.edu"}, {"domain": "bad_label-.example"}], "dns_publishing_domains[2].domain"),
    ([{"domain": "labs.example.edu", "priority": 65536}],
     "dns_publishing_domains[1].priority must be a 16-bit SRV record number from 0 to 65535 (RFC 2782)"),
    ([{"domain": "labs.example.edu", "weight": -1}], "dns_publishing_domains[1].weight must be"),
    ([{"domain": "labs.example.edu"}, {"domain": "LABS.example.edu."}],
     "dns_publishing_domains: labs.example.edu is listed twice"),
    ([{"domain": ""}], "dns_publishing_domains[1].domain must be"),
])
def test_bad_publishing_domains_are_refused_naming_the_entry(entries, words):
    with pytest.raises(OptionError) as raised:
        checked(dns_publishing_domains=domains(*entries))
    assert words in str(raised.value)


def test_publishing_domains_with_publishing_off_is_a_contradiction():
    with pytest.raises(OptionError) as raised:
        checked(dns_publishing=False, dns_publishing_domains=domains({"domain": "labs.example.edu"}))
    assert "dns_publishing is false, which stops all publishing" in str(raised.value)
    assert checked(dns_publishing=False, dns_publishing_domains=[]).dns_publishing_domains == ()


def run_module(task_args: dict[str, Any]) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """kms_host's action plugin in check mode over a host without products: its result and the
    programs sent."""
    return run_action(kms_host_action.ActionModule, task_args, Host([]), hostname="kms01", check_mode=True)


def test_the_action_plugin_refuses_before_anything_is_sent():
    """Through the action plugin as Ansible runs it: no program reaches the host."""
    result, programs = run_module({"host_keys": [KEY], "listening_port": "16 88"})
    assert programs == []
    assert result["failed"] is True
    assert result["msg"].startswith("Invalid option: listening_port must be a TCP port number")
    assert KEY not in result["msg"]


def test_the_action_plugin_sends_one_read_with_valid_options():
    """Valid options, in check mode: the one read program, nothing else; a host without host
    products and without keys given is no KMS host, and the message says so."""
    result, programs = run_module({"host_keys": [], "firewall": True})
    assert len(programs) == 1 and not [op for op in programs[0] if op["op"] == "cim_invoke"]
    assert result["failed"] is True
    assert result["msg"].startswith("Cannot configure kms01 as a KMS host: it is not a KMS host")
    assert result["msg"].endswith("Nothing was changed.")
