"""Unit tests for plugins/plugin_utils/options.py: every option check, the argument specs and the
desired state built from them."""

from __future__ import annotations

import math
import os
import pathlib
import re
import subprocess
import sys
import unicodedata
from typing import Any

import idna
import pytest
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import options
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import Desired, OptionError

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
        # What is checked is what is sent: labels that are not ASCII as IDNA A-labels.
        ("kms.universität.example", "kms.xn--universitt-y5a.example"),
        ("KMS.UNIVERSITÄT.example", "KMS.xn--universitt-y5a.example"),
        ("キー.例え.jp", "xn--nckwi.xn--r8jz45g.jp"),
        ("xn--r8jz45g.jp", "xn--r8jz45g.jp"),
        ("кмс.пример.рф", "xn--j1aep.xn--e1afmkfd.xn--p1ai"),
        ("例え-kms.jp", "xn---kms-p63cv06p.jp"),  # Latin goes with Chinese, Japanese and Korean
        ("캠퍼스-kms漢.kr", "xn---kms-ev9iq152busram2i.kr"),
        ("[::1]", "::1"),
        ("İ.example", "xn--i-9bb.example"),  # UTS #46 maps it to i and a combining dot above
        ("xn--i-9bb.example", "xn--i-9bb.example"),  # ... which is its own normal form
        # UTS #46 mapping (nontransitional, STD3 rules), then IDNA 2008: the A-label of what it maps to.
        ("bücher.example", "xn--bcher-kva.example"),
        ("ＫＭＳ．example", "kms.example"),  # full-width letters and full stop
        ("ｋｍｓ.example.edu", "kms.example.edu"),
        ("kms\u3002example", "kms.example"),  # ideographic full stop: a label separator
        ("KMS\uff0eExample", "KMS.Example"),  # ASCII labels stay as given, whatever the separator
        ("ｘｎ--r8jz45g.jp", "xn--r8jz45g.jp"),  # mapped to an A-label, checked as one
        ("kms\u2460.example", "kms1.example"),  # circled digit one
        ("\ufb01le.example", "file.example"),  # fi ligature
        ("cafe\u0301.example", "xn--caf-dma.example"),  # NFC: e and a combining acute are é
        ("kms\u00ad.example", "kms.example"),  # soft hyphen: ignored
        ("\u1c90\u1c91.example", "xn--lodc.example"),  # Georgian Mtavruli (Unicode 11) folded to Mkhedruli
        ("kms.\U0002a700.example", "kms.xn--015l.example"),  # CJK Extension C (Unicode 5.2)
        ("l\u00b7l.example", "xn--ll-0ea.example"),  # CONTEXTO: Catalan's middle dot between two l
        ("\u03b1\u0375\u03b2.example", "xn--wva3je.example"),  # CONTEXTO: keraia before a Greek letter
        ("xn--strae-oqa.example", "xn--strae-oqa.example"),  # straße as its A-label: unambiguous
        ("kms.\u05e9\u05e8\u05ea", "kms.xn--tebbe"),  # a right-to-left label beside a left-to-right one
        ("k_s.例え.jp", "k_s.xn--r8jz45g.jp"),  # underscores in ASCII labels, as before
        (LABEL_63 + ".example", LABEL_63 + ".example"),
        (NAME_253, NAME_253),
        (NAME_253 + ".", NAME_253 + "."),  # the root dot does not count
    ],
)
def test_kms_host_accepts(value, expected):
    assert options.kms_host(value) == expected


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
    with pytest.raises(OptionError, match="^kms_host ") as caught:
        options.kms_host(value)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        # Compatibility characters UTS #46 does not map to a host name's letters, digits and
        # hyphens: the message says what to write where NFKC gives a name.
        ("１９２．０．２．１", ["compatibility characters", "write it as '192.0.2.1'"]),  # an address is no IDN
        ("\uff04(calc).example", ["compatibility characters", "'＄'", "use"]),  # no advice to write "$("
        ("a\u2488com", ["compatibility characters", "'⒈'", "write it as 'a1.com'"]),  # UTS #46: disallowed
        ("kms\u3000x", ["compatibility characters", "'\\u3000'"]),  # ideographic space
        ("☃.example", ["it contains '☃'"]),  # IDNA 2008: DISALLOWED (a symbol)
        # Scripts mixed in one label: a name made to pass for another (IDNA 2008 allows it).
        ("kms-сервер.example", ["mixes Cyrillic and Latin letters", "label 'kms-сервер'"]),
        ("exаmple.edu", ["mixes Cyrillic and Latin"]),
        ("kmsα.example", ["mixes Greek and Latin"]),
        ("例え한α.example", ["mixes Greek and Han and Hangul"]),
        ("xn--kms--83d.example", ["mixes Cyrillic and Latin"]),  # kms-а, written as its A-label
        ("ｋｍｓ-сервер.example", ["mixes Cyrillic and Latin", "label 'kms-сервер'"]),  # checked as mapped
        # UTS #46 deviations: IDNA 2008 (browsers) and IDNA 2003 (Windows' IdnToAscii) differ.
        ("straße.example", ["'ß'", "A-label", "'xn--strae-oqa' under IDNA 2008", "'strasse' under IDNA 2003"]),
        ("ẞtraße.example", ["'ß'", "'ẞ'"]),  # capital sharp s maps to ß
        ("λέξις.example", ["'ς'", "'xn--ixayenv' under IDNA 2008", "'xn--ixayen0a' under IDNA 2003"]),
        ("\u0915\u094d\u200d\u0937.example", ["'\\u200d'", "'xn--11b2ezcw70k' under IDNA 2008"]),  # ZWJ after virama
        # A-labels must be what IDNA 2008 writes.
        ("xn--zz.example", ["'xn--zz'", "not a valid IDNA A-label"]),
        ("xn--kms-.example", ["'xn--kms-'", "not a valid IDNA A-label"]),
        ("XN--.example", ["'XN--'", "not a valid IDNA A-label"]),
        ("xn--u-ccb.example", ["'xn--u-ccb'", "not a valid IDNA A-label", "Normalization Form C"]),  # u, U+0308
        ("xn--ls8h.example", ["'xn--ls8h'", "not a valid IDNA A-label", "U+1F4A9"]),  # a symbol: DISALLOWED
        # IDNA 2008 validity: RFC 5891 (hyphens, leading marks, length), RFC 5892 (CONTEXTJ,
        # CONTEXTO), RFC 5893 (bidi).
        ("例" * 60 + ".jp", ["cannot be written in IDNA", "Label too long"]),
        ("ü" * 60 + ".example", ["cannot be written in IDNA", "Label too long"]),  # 60 letters, 66 as an A-label
        ("a\u200db.example", ["cannot be written in IDNA", "U+200D", "CONTEXTJ"]),  # ZWJ not after a virama
        ("a\u200cb.example", ["cannot be written in IDNA", "U+200C", "CONTEXTJ"]),  # ZWNJ, neither
        ("a\u00b7b.example", ["cannot be written in IDNA", "U+00B7", "CONTEXTO"]),  # middle dot not between l
        ("\u0627\u0661\u06f1.example", ["U+0661", "CONTEXTO"]),  # Arabic-Indic with Persian digits
        ("\u0301abc.example", ["cannot be written in IDNA", "combining", "RFC 5891 4.2.3.2"]),
        ("-ü.example", ["cannot be written in IDNA", "hyphen", "RFC 5891 4.2.3.1"]),
        ("ab--ü.example", ["cannot be written in IDNA", "3rd and 4th", "RFC 5891 4.2.3.1"]),
        ("kms_ü.example", ["cannot be written in IDNA", "U+005F", "UseSTD3ASCIIRules"]),
        ("\u05d0\u05d112a.example", ["cannot be written in IDNA", "right-to-left", "RFC 5893"]),  # RTL with L
        ("\u05d0\u05d1\u0661\u0031\u05d2.example", ["numeral types", "RFC 5893"]),  # Arabic and European digits
        ("0a.\u05d0\u05d1", ["label '0a' breaks the bidi rule", "RFC 5893"]),  # every label of a bidi name
    ],
)
def test_kms_host_refuses_what_would_not_be_sent_as_checked(value, fragments):
    with pytest.raises(OptionError, match="^kms_host ") as caught:
        options.kms_host(value)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert "write it as '$" not in str(caught.value)


@pytest.mark.parametrize("value", [None, 1688, b"kms.example.edu"])
def test_kms_host_rejects_non_strings(value):
    with pytest.raises(OptionError, match="^kms_host "):
        options.kms_host(value)


def test_kms_host_names_the_given_option():
    with pytest.raises(OptionError, match="^activation_host .*';'"):
        options.kms_host("a;b", option="activation_host")


def test_kms_host_long_value_shown_shortened():
    with pytest.raises(OptionError) as caught:
        options.kms_host("x" * 5000 + ";")
    assert len(str(caught.value)) < 500


# A CJK Extension J ideograph (Unicode 17): in idna's tables, not in Python 3.14's (Unicode 16).
NEWER = "\U000323b0"


def test_kms_host_refuses_characters_this_python_does_not_know():
    if unicodedata.category(NEWER) != "Cn":
        pytest.skip("this Python's Unicode %s tables have U+323B0" % unicodedata.unidata_version)
    idna.uts46_remap(NEWER)  # valid for UTS #46: only Python's tables are missing it
    for value in (NEWER + ".example", "xn--" + NEWER.encode("punycode").decode() + ".example"):
        with pytest.raises(OptionError, match="^kms_host .*U\\+323B0.*Unicode %s tables"
                           % re.escape(unicodedata.unidata_version)):
            options.kms_host(value)


@pytest.mark.parametrize("value", ["例え.jp", "xn--r8jz45g.jp", "XN--R8JZ45G.jp", "kms\uff0eexample"])
def test_kms_host_names_the_missing_idna_package(monkeypatch, value):
    monkeypatch.setattr(options, "IDNA_IMPORT_ERROR", ImportError("No module named 'idna'"))
    with pytest.raises(AnsibleError, match=r"required Python library \(idna\).*pip install -r requirements\.txt"):
        options.kms_host(value)


@pytest.mark.parametrize(("value", "expected"), [("kms.example.edu", "kms.example.edu"), ("KMS_1", "KMS_1"),
                                                 ("[2001:db8::10]", "2001:db8::10")])
def test_kms_host_checks_plain_ascii_without_idna(monkeypatch, value, expected):
    monkeypatch.setattr(options, "IDNA_IMPORT_ERROR", ImportError("No module named 'idna'"))
    monkeypatch.setattr(options, "idna", None)
    assert options.kms_host(value) == expected


def test_options_imports_without_idna():
    """ansible-test's import test and ansible-doc import the module where idna is missing."""
    code = ("import sys; sys.modules['idna'] = None\n"
            "from ansible_collections.volume_licensing.kms.plugins.plugin_utils import options\n"
            "assert options.idna is None and isinstance(options.IDNA_IMPORT_ERROR, ImportError)\n"
            "assert options.kms_host('kms.example.edu') == 'kms.example.edu'\n"
            "try:\n    options.kms_host('例え.jp')\n"
            "except Exception as exc:\n    print(type(exc).__name__, exc)\n")
    root = pathlib.Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=root,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(root / "collections")])))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("AnsibleError Failed to import the required Python library (idna)"), done.stdout
    assert "requirements.txt" in done.stdout


@pytest.mark.parametrize(("value", "expected"), [(1, 1), (1688, 1688), (65535, 65535), ("1688", 1688),
                                                 ("01688", 1688), ("65535", 65535)])
def test_tcp_port_accepts(value, expected):
    port = options.tcp_port(value)
    assert port == expected and isinstance(port, int) and not isinstance(port, bool)


# Ports from integers or ASCII digits only: int() and Ansible's int type take the rest.
@pytest.mark.parametrize("value", [0, 65536, 70000, -1, True, False, 1688.0, None, "0", "65536", "", "1e3", "+1688",
                                   "-1", " 1688", "1688 ", "1688\n", "1_688", "1688.0", "0x698",
                                   "\uff11\uff16\uff18\uff18", "\u0661\u0666\u0668\u0668", "\u00b9688",
                                   "1" * 11])
def test_tcp_port_rejects(value):
    with pytest.raises(OptionError, match="^kms_port .*got " + re.escape(repr(value))):
        options.tcp_port(value)


def test_tcp_port_shows_a_huge_number_shortened():
    with pytest.raises(OptionError) as caught:
        options.tcp_port(10 ** 5000)
    assert "got a number too long to show" in str(caught.value)


# Returned in whole milliseconds, which is what the host is sent (timeout_ms).
@pytest.mark.parametrize(("value", "expected"), [
    (0.5, 0.5), (1, 1.0), (300, 300.0), (300.0, 300.0), (0.1, 0.1), ("5", 5.0), ("0.25", 0.25), (".5", 0.5),
    ("5.", 5.0), (2.0004, 2.0), (1.0005, 1.0), (1.0016, 1.002), (0.0996, 0.1), (300.0004, 300.0),
])
def test_timeout_seconds_accepts(value, expected):
    seconds = options.timeout_seconds(value)
    assert seconds == expected and isinstance(seconds, float)


@pytest.mark.parametrize("value", [0, -1, 301, 300.01, True, None, math.nan, math.inf, -math.inf, 1e-9, 0.0994,
                                   0.09, "1e-9", "1e2", "\uff15", "\u0665", "+5", " 5", "5 ", "1_0", "nan", "inf",
                                   "", ".", 10 ** 400])
def test_timeout_seconds_rejects(value):
    with pytest.raises(OptionError, match="^connect_timeout .*from 0.1 to 300"):
        options.timeout_seconds(value)


def test_timeout_seconds_maximum_and_option():
    assert options.timeout_seconds(600, maximum=600) == 600
    with pytest.raises(OptionError, match="^wait .*600"):
        options.timeout_seconds(601, option="wait", maximum=600)


# A last label of digits only is neither an IPv4 address nor a host name (RFC 1123 2.1,
# RFC 3696 2); .NET on the host would read it as an address (010.0.0.1 -> 8.0.0.1).
@pytest.mark.parametrize("value", ["192.0.2.300", "010.0.0.1", "1.2.3", "1688"])
def test_kms_host_rejects_malformed_ipv4(value):
    with pytest.raises(OptionError, match="^kms_host "):
        options.kms_host(value)


@pytest.mark.parametrize("value", ["fe80::1%$(Stop-Computer)", "fe80::1%a b", "fe80::1%;x"])
def test_kms_host_rejects_ipv6_zones_that_are_not_interfaces(value):
    with pytest.raises(OptionError, match="^kms_host .*IPv6 zone"):
        options.kms_host(value)


@pytest.mark.parametrize("value", ["fe80::1%12", "fe80::1%eth0", "[fe80::1%12]"])
def test_kms_host_accepts_ipv6_zones(value):
    assert options.kms_host(value) == value.strip("[]")


# --- products (was plan.check_products_option) ---------------------------------------------------

KMS_SKU = "8d368fc1-9470-4be2-8d66-90e836cbb051"
VISIO_SKU = "5b5cf08f-b81a-431d-b080-3450d8620565"
SECRET = "ABCDE-FGHIJ-KLMNO-PQRST-VWXYZ"  # not a published key: must never be shown
GVLK_2024 = "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB"
HOST = "kms.example.org"


@pytest.mark.parametrize(
    "products",
    [
        None,
        [],
        ["ProPlus2024Volume"],
        ["visiopro2019volume"],
        ["SkypeForBusiness2021Volume"],
        ["ProPlus2010Volume"],
        [KMS_SKU],
        ["{8D368FC1-9470-4BE2-8D66-90E836CBB051}"],
        ["ProjectPro2021Volume", VISIO_SKU],
    ],
)
def test_products_option_accepted(products):
    assert options.products(products) == products


@pytest.mark.parametrize("entry", ["ProPlus2099Volume", "Fooo", "ProPlus2024", "", 5, "8d368fc1-9470-4be2-8d66",
                                   "ProPlus2024Volume\n", KMS_SKU + "\n",
                                   # Letters a Unicode IGNORECASE would take for s and k.
                                   "ProPlu\u017f2024Volume", "\u212aeep2024Volume", "Vi\u017fioPro2019Volume",
                                   "ProPlus\uff12\uff10\uff12\uff14Volume"])
def test_products_option_rejected(entry):
    with pytest.raises(OptionError) as exc:
        options.products(["ProPlus2024Volume", entry])
    assert repr(entry) in str(exc.value)
    assert str(exc.value).startswith("products")


# --- product_key (was plan.check_product_key) -----------------------------------------------------

@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("auto", "auto"),
        (SECRET, SECRET),
        (SECRET.lower(), SECRET),
        ("xj2xn-fw8rk-p4hmp-dkdbv-gcvgb", GVLK_2024),
        ("  %s " % SECRET, SECRET),
    ],
)
def test_product_key_accepted(given, expected):
    assert options.product_key(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "ABCDE-FGHIJ-KLMNO-PQRST",  # four groups
        "ABCDEF-FGHIJ-KLMNO-PQRST-VWXYZ",  # a six-character group
        "ABCDE\u2013FGHIJ\u2013KLMNO\u2013PQRST\u2013VWXYZ",  # en dashes
        "ABCDE-FGHIJ-KLM O-PQRST-VWXYZ",  # a space inside
        "ABCDE FGHIJ KLMNO PQRST VWXYZ",
        "ABCDEFGHIJKLMNOPQRSTVWXYZ",
        "abcde-fghij-klmno-pqrst-vwxy!",
        "ABCDE-FGHIJ-KLMNO-PQRST-VWXY\u017f",  # long s: upper() would make it an ASCII S
    ],
)
def test_product_key_rejected_without_showing_it(given):
    with pytest.raises(OptionError) as exc:
        options.product_key(given)
    msg = str(exc.value)
    assert msg.startswith("product_key")
    for shown in (given, given.upper()):
        assert shown not in msg
        assert shown[:-5] not in msg  # at most the last five characters


def test_product_key_empty_rejected():
    with pytest.raises(OptionError, match="^product_key"):
        options.product_key("")


# --- office_kms: the desired state (was plan.check_desired) ---------------------------------------

def office_kms_args(**given: Any) -> dict[str, Any]:
    """The arguments as Ansible's argument spec check hands them over: defaults filled in."""
    args = {name: spec.get("default") for name, spec in options.SPECS["office_kms"].items()}
    args.update(given)
    return args


@pytest.mark.parametrize(
    ("given", "option"),
    [
        ({"state": "present"}, "state"),
        ({"state": ""}, "state"),
        ({"renew_below_days": -1}, "renew_below_days"),
        ({"renew_below_days": 181}, "renew_below_days"),
        ({"state": "configured"}, "kms_host"),
        ({"state": "configured", "kms_host": ""}, "kms_host"),
        ({"products": ["Fooo"]}, "products"),
        ({"product_key": "nope"}, "product_key"),
        ({"kms_host": "kms;calc"}, "kms_host"),
        ({"kms_port": 0}, "kms_port"),
        ({"kms_port": 65536}, "kms_port"),
        ({"connect_timeout": 0.0}, "connect_timeout"),
        ({"connect_timeout": 1e-9}, "connect_timeout"),
        ({"connect_timeout": 301.0}, "connect_timeout"),
    ],
)
def test_office_kms_rejects(given, option):
    with pytest.raises(OptionError) as exc:
        options.office_kms(office_kms_args(**given))
    assert option in str(exc.value)
    assert str(exc.value).split(" ", maxsplit=1)[0].rstrip(":") in (option, "state")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, Desired()),
        ({"renew_below_days": 0}, Desired(renew_below_days=0)),
        ({"renew_below_days": 180}, Desired(renew_below_days=180)),
        ({"state": "configured", "kms_host": HOST}, Desired(state="configured", kms_host=HOST)),
        ({"state": "configured", "product_key": "auto"}, Desired(state="configured", product_key="auto")),
        ({"state": "absent"}, Desired(state="absent")),
        ({"kms_host": HOST, "products": ["ProPlus2024Volume", KMS_SKU], "product_key": "auto", "force": True},
         Desired(kms_host=HOST, products=["ProPlus2024Volume", KMS_SKU], product_key="auto", force=True)),
        ({"kms_host": "[2001:db8::10]", "kms_port": 1689}, Desired(kms_host="2001:db8::10", kms_port=1689)),
        ({"check_reachable": False, "connect_timeout": 2.5}, Desired(check_reachable=False, connect_timeout=2.5)),
    ],
)
def test_office_kms_accepts(given, expected):
    assert options.office_kms(office_kms_args(**given)) == expected


def test_office_kms_upper_cases_the_key():
    assert options.office_kms(office_kms_args(product_key=" %s " % SECRET.lower())).product_key == SECRET


def test_office_kms_does_not_change_the_arguments():
    args = office_kms_args(kms_host="[2001:db8::10]", product_key=SECRET.lower())
    kept = dict(args)
    options.office_kms(args)
    assert args == kept


def test_desired_defaults_match_the_argument_spec():
    """A task that gives no option gets the documented defaults, whichever way it is built."""
    validated = ArgumentSpecValidator(options.SPECS["office_kms"]).validate({})
    assert validated.error_messages == []
    assert options.office_kms(validated.validated_parameters) == Desired()
    # Every option is a field, but the requirement figures travel together as one, and the
    # name of the Windows key's option is the module's, not an option.
    fields = set(Desired.__dataclass_fields__) - {"requirement_overrides", "windows_key_option"} | set(
        options.REQUIREMENT_OPTIONS)
    assert set(options.SPECS["office_kms"]) == fields


@pytest.mark.parametrize(("given", "overrides"), [
    ({}, {}),
    ({"min_cpu_mhz": 1100, "min_os_version": "6.1.7601"}, {"cpu_mhz": 1100, "min_os_version": "6.1.7601"}),
    ({"min_memory_mb": 0}, {"memory_mb": 0}),
])
def test_requirement_figures_become_overrides(given, overrides):
    validated = ArgumentSpecValidator(options.SPECS["office_kms"]).validate(dict(given, requirements="warn"))
    desired = options.office_kms(validated.validated_parameters)
    assert (desired.requirements, desired.requirement_overrides) == ("warn", overrides)


@pytest.mark.parametrize(("given", "words"), [
    ({"min_os_version": "abc"}, "min_os_version (the role's office_kms_min_os_version): abc is not a Windows version"),
    ({"min_cpu_cores": -1}, "min_cpu_cores (the role's office_kms_min_cpu_cores): -1 is not a whole number"),
])
def test_bad_requirement_figures_are_refused(given, words):
    validated = ArgumentSpecValidator(options.SPECS["office_kms"]).validate(given)
    with pytest.raises(options.OptionError, match=re.escape(words)):
        options.office_kms(validated.validated_parameters)


def test_product_key_is_no_log():
    assert options.SPECS["office_kms"]["product_key"]["no_log"] is True
    validated = ArgumentSpecValidator(options.SPECS["office_kms"]).validate({"product_key": SECRET})
    assert SECRET in validated._no_log_values


@pytest.mark.parametrize(
    ("seconds", "ms"),
    [
        (5, 5000),
        (0.5, 500),
        (2.5, 2500),
        (0.1, 100),
        (300, 300000),
        (1.005, 1005),  # rounded, not truncated
    ],
)
def test_connect_timeout_ms(seconds, ms):
    assert options.office_kms(office_kms_args(connect_timeout=seconds)).connect_timeout_ms == ms
    assert Desired(connect_timeout=seconds).connect_timeout_ms == ms


# --- connection / office_kms_info / office_kms_report ---------------------------------------------

@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"kms_host": None, "kms_port": 1688, "connect_timeout": 5.0}, (None, 1688, 5.0)),
        ({"kms_host": HOST, "kms_port": 1700, "connect_timeout": 0.5}, (HOST, 1700, 0.5)),
        ({"kms_host": "[2001:db8::10]", "kms_port": 1688, "connect_timeout": 5.0}, ("2001:db8::10", 1688, 5.0)),
    ],
)
def test_connection(given, expected):
    args = dict(given, include_windows=True)
    kept = dict(args)
    got = options.connection(args)
    assert (got["kms_host"], got["kms_port"], got["connect_timeout"]) == expected
    assert got["include_windows"] is True  # other options pass through
    assert args == kept
    assert options.used(got) == dict(zip(("kms_host", "kms_port", "connect_timeout"), expected, strict=True))


def spec_checked(**task_args: Any) -> dict[str, Any]:
    """The arguments as Ansible's argument spec check converts them."""
    validated = ArgumentSpecValidator(options.SPECS["office_kms_info"]).validate(task_args)
    assert validated.error_messages == []
    return validated.validated_parameters


@pytest.mark.parametrize(
    ("given", "option"),
    [
        # Ansible's int and float types take these; the values as written are checked.
        ({"kms_port": "1e3"}, "kms_port"),
        ({"kms_port": "+1688"}, "kms_port"),
        ({"kms_port": "\uff11\uff16\uff18\uff18"}, "kms_port"),
        ({"kms_port": "1688.0"}, "kms_port"),
        ({"kms_port": 1688.0}, "kms_port"),
        ({"kms_port": " 1688 "}, "kms_port"),
        ({"connect_timeout": "1e-1"}, "connect_timeout"),
        ({"connect_timeout": "\uff15"}, "connect_timeout"),
        ({"connect_timeout": True}, "connect_timeout"),
    ],
)
def test_connection_checks_the_values_as_written(given, option):
    args = spec_checked(**given)
    options.connection(args)  # what Ansible made of them would pass
    with pytest.raises(OptionError, match="^%s .*got %s" % (option, re.escape(repr(given[option])))):
        options.connection(args, given)
    with pytest.raises(OptionError, match="^" + option):
        options.office_kms(office_kms_args(**args), given=given)
    with pytest.raises(OptionError, match="^" + option):
        options.windows_kms(office_kms_args(**args), given=given)
    with pytest.raises(OptionError, match="^" + option):
        options.office_kms_info(args, given=given)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, (None, 1688, 5.0)),
        ({"kms_host": "[::1]", "kms_port": "1700", "connect_timeout": "0.5"}, ("::1", 1700, 0.5)),
        ({"kms_host": "例え.jp", "kms_port": 1700, "connect_timeout": 2.0004}, ("xn--r8jz45g.jp", 1700, 2.0)),
    ],
)
def test_connection_with_the_values_as_written(given, expected):
    got = options.connection(spec_checked(**given), given)
    assert options.used(got) == dict(zip(options.CONNECTION, expected, strict=True))
    desired = options.office_kms(office_kms_args(**spec_checked(**given)), given=given)
    assert options.used(desired) == options.used(got)


@pytest.mark.parametrize(
    ("given", "option"),
    [
        ({"kms_host": ""}, "kms_host"),
        ({"kms_host": "a b"}, "kms_host"),
        ({"kms_port": 0}, "kms_port"),
        ({"kms_port": True}, "kms_port"),
        ({"connect_timeout": -1.0}, "connect_timeout"),
        ({"connect_timeout": math.inf}, "connect_timeout"),
    ],
)
def test_office_kms_info_rejects(given, option):
    args = {"kms_host": None, "kms_port": 1688, "connect_timeout": 5.0, "include_windows": False}
    with pytest.raises(OptionError, match="^" + option):
        options.office_kms_info(dict(args, **given))


def report_args(**given: Any) -> dict[str, Any]:
    args = {name: spec.get("default") for name, spec in options.SPECS["office_kms_report"].items()}
    args.update(results={}, dest="report.html")
    args.update(given)
    return args


@pytest.mark.parametrize(
    ("given", "option"),
    [
        ({"expiring_days": -1}, "expiring_days"),
        ({"expiring_days": 181}, "expiring_days"),
        ({"max_clock_skew_seconds": -1}, "max_clock_skew_seconds"),
    ],
)
def test_office_kms_report_rejects(given, option):
    with pytest.raises(OptionError, match="^" + option):
        options.office_kms_report(report_args(**given))


@pytest.mark.parametrize("given", [{}, {"expiring_days": 0}, {"expiring_days": 180}, {"max_clock_skew_seconds": 0}])
def test_office_kms_report_accepts(given):
    args = report_args(**given)
    assert options.office_kms_report(args) == args


# --- invalid_option ------------------------------------------------------------------------------

def test_invalid_option_of_our_own_check():
    spec = options.SPECS["office_kms"]
    args = {"kms_host": "a;b"}
    with pytest.raises(OptionError) as exc:
        options.office_kms(office_kms_args(**args))
    msg = options.invalid_option(exc.value, spec, args, "pc01")
    assert msg.startswith("Invalid option: kms_host 'a;b' is not ")
    assert msg.endswith(". Nothing was sent to pc01.")
    assert ".." not in msg


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ({"kms_port": "inf"}, "kms_port must be a whole number, not an infinity"),
        ({"renew_below_days": "-Infinity"}, "renew_below_days must be a whole number, not an infinity"),
        ({"kms_port": "inf", "renew_below_days": "INF"},
         "kms_port and renew_below_days must be a whole number, not an infinity"),
        # A float option may be infinite as far as this is concerned (connect_timeout's own check refuses it).
        ({"connect_timeout": "inf"}, "an integer option must be a whole number, not an infinity"),
        ({"kms_port": "1e999x"}, "an integer option must be a whole number, not an infinity"),
    ],
)
def test_invalid_option_names_the_infinite_integer_options(args, named):
    """ansible-core's int check raises OverflowError on an infinity instead of refusing it."""
    with pytest.raises(ArithmeticError) as exc:
        ArgumentSpecValidator(options.SPECS["office_kms"]).validate({"kms_port": "inf"})
    msg = options.invalid_option(exc.value, options.SPECS["office_kms"], args, "pc01")
    assert msg == "Invalid option: %s. Nothing was sent to pc01." % named


def test_is_guid():
    assert options.is_guid(KMS_SKU)
    assert options.is_guid("{%s}" % KMS_SKU.upper())
    assert not options.is_guid(KMS_SKU + "\n")
    assert not options.is_guid("ProPlus2024Volume")


# --- applications --------------------------------------------------------------------------------

def validated_office_kms(**given):
    validated = ArgumentSpecValidator(options.SPECS["office_kms"]).validate(given)
    assert validated.error_messages == []
    return validated.validated_parameters


@pytest.mark.parametrize(("given", "expected"), [
    (None, ("office",)),
    (["office"], ("office",)),
    (["windows"], ("windows",)),
    (["windows", "office", "windows"], ("office", "windows")),  # once each, in one order
])
def test_applications(given, expected):
    args = validated_office_kms(**({} if given is None else {"applications": given}))
    assert options.office_kms(args).applications == expected


@pytest.mark.parametrize(("given", "words"), [
    ({"applications": []}, "applications must name at least one of office, windows; got an empty list"),
    ({"windows_product_key": "auto"}, "windows_product_key applies to Windows, but applications does not include"),
    ({"applications": ["windows"], "product_key": "auto"}, "product_key applies to Office's products"),
    ({"applications": ["windows"], "products": ["ProPlus2024Volume"]}, "products applies to Office's products"),
    ({"applications": ["office", "windows"], "windows_product_key": "12345"},
     "windows_product_key must be 'auto' or a product key"),
])
def test_applications_refused(given, words):
    with pytest.raises(OptionError, match=re.escape(words)):
        options.office_kms(validated_office_kms(**given))


def test_windows_kms_is_office_kms_with_windows_only():
    validated = ArgumentSpecValidator(options.SPECS["windows_kms"]).validate({"product_key": "auto"})
    desired = options.windows_kms(validated.validated_parameters)
    assert (desired.applications, desired.product_key, desired.windows_product_key) == (("windows",), None, "auto")
    assert desired.key_option("windows") == "product_key"
    with pytest.raises(OptionError, match=r"^product_key must be 'auto'"):
        options.windows_kms(dict(validated.validated_parameters, product_key="nope"))


def test_office_kms_info_applications_and_the_older_include_windows():
    spec = options.SPECS["office_kms_info"]
    for given, expected in (({}, ("office",)), ({"include_windows": True}, ("office", "windows")),
                            ({"applications": ["windows"]}, ("windows",))):
        validated = ArgumentSpecValidator(spec).validate(given)
        assert options.office_kms_info(validated.validated_parameters)["applications"] == expected
