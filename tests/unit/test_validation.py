"""Unit tests for plugins/module_utils/validation.py."""

from __future__ import annotations

import math
import re

import pytest
from ansible_collections.volume_licensing.kms.plugins.module_utils import validation

LABEL_63 = "a" * 63
NAME_253 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
NAME_254 = NAME_253 + "e"
assert len(NAME_253) == 253 and len(NAME_254) == 254


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("kms.example.edu", "kms.example.edu"),
        ("KMS", "KMS"),
        ("kms-01.campus.example.", "kms-01.campus.example."),
        ("192.0.2.10", "192.0.2.10"),
        ("2001:db8::10", "2001:db8::10"),
        ("[2001:db8::10]", "2001:db8::10"),
        ("kms.universität.example", "kms.universität.example"),
        ("キー.例え.jp", "キー.例え.jp"),
        (LABEL_63 + ".example", LABEL_63 + ".example"),
        (NAME_253, NAME_253),
        (NAME_253 + ".", NAME_253 + "."),  # the root dot does not count
    ],
)
def test_kms_host_accepts(value, expected):
    assert validation.kms_host(value) == expected


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        ("kms campus", ["' '"]),
        ('kms"x', ["'\"'"]),
        ("kms'x", ['"\'"']),
        ("kms;calc", ["';'"]),
        ("$(calc)", ["'$'", "'('", "')'"]),
        ("kms`x", ["'`'"]),
        ("kms|x", ["'|'"]),
        ("kms\nx", [repr("\n")]),
        ("kms\tx", [repr("\t")]),
        ("kms\x00x", [repr("\x00")]),
        ("", ["empty"]),
        ("-kms.example", ["'-kms'"]),
        ("kms-.example", ["'kms-'"]),
        ("a" * 64 + ".example", [repr("a" * 64)]),
        (NAME_254, ["253"]),
        ("a..b", ["label ''"]),
        ("[kms.example]", ["'['", "']'"]),
    ],
)
def test_kms_host_rejects(value, fragments):
    with pytest.raises(ValueError, match="^kms_host ") as caught:
        validation.kms_host(value)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize("value", [None, 1688, b"kms.example.edu"])
def test_kms_host_rejects_non_strings(value):
    with pytest.raises(ValueError, match="^kms_host "):
        validation.kms_host(value)


def test_kms_host_names_the_given_option():
    with pytest.raises(ValueError, match="^activation_host .*';'"):
        validation.kms_host("a;b", option="activation_host")


def test_kms_host_long_value_shown_shortened():
    with pytest.raises(ValueError) as caught:
        validation.kms_host("x" * 5000 + ";")
    assert len(str(caught.value)) < 500


@pytest.mark.parametrize("value", [1, 1688, 65535])
def test_tcp_port_accepts(value):
    assert validation.tcp_port(value) == value


@pytest.mark.parametrize("value", [0, 65536, 70000, -1, True, False, "1688", 1688.0, None])
def test_tcp_port_rejects(value):
    with pytest.raises(ValueError, match="^kms_port .*got " + re.escape(repr(value))):
        validation.tcp_port(value)


@pytest.mark.parametrize("value", [0.5, 1, 300, 300.0])
def test_timeout_seconds_accepts(value):
    assert validation.timeout_seconds(value) == value


@pytest.mark.parametrize("value", [0, -1, 301, 300.01, True, "5", None, math.nan, math.inf])
def test_timeout_seconds_rejects(value):
    with pytest.raises(ValueError, match="^connect_timeout "):
        validation.timeout_seconds(value)


def test_timeout_seconds_maximum_and_option():
    assert validation.timeout_seconds(600, maximum=600) == 600
    with pytest.raises(ValueError, match="^wait .*600"):
        validation.timeout_seconds(601, option="wait", maximum=600)


# A last label of digits only is neither an IPv4 address nor a host name (RFC 1123 2.1,
# RFC 3696 2); .NET on the host would read it as an address (010.0.0.1 -> 8.0.0.1).
@pytest.mark.parametrize("value", ["192.0.2.300", "010.0.0.1", "1.2.3", "1688"])
def test_kms_host_rejects_malformed_ipv4(value):
    with pytest.raises(ValueError, match="^kms_host "):
        validation.kms_host(value)


@pytest.mark.parametrize("value", ["fe80::1%$(Stop-Computer)", "fe80::1%a b", "fe80::1%;x"])
def test_kms_host_rejects_ipv6_zones_that_are_not_interfaces(value):
    with pytest.raises(ValueError, match="^kms_host .*IPv6 zone"):
        validation.kms_host(value)


@pytest.mark.parametrize("value", ["fe80::1%12", "fe80::1%eth0", "[fe80::1%12]"])
def test_kms_host_accepts_ipv6_zones(value):
    assert validation.kms_host(value) == value.strip("[]")
