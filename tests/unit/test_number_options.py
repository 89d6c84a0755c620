"""Numbers given to options (issue 21): one rule for every whole-number option (a whole number,
or ASCII digits, as kms_port has always taken them), and messages that name the option, the
value given and the form accepted, never an Ansible type name. Run through the action plugins
as Ansible runs them: a refused value is refused before anything is sent to the host."""

from __future__ import annotations

import json
import os
import re
from unittest import mock

import pytest
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible_collections.volume_licensing.kms.plugins.action import office_kms_report as report_action

from tests.unit.test_hostile_input import ACTIONS, run_module

# What int() or Decimal() (Ansible's int type) would turn into a number: an exponent, other
# scripts' digits (full-width, Arabic-Indic, Devanagari), a sign, an underscore, a decimal
# part, spaces.
NOT_DIGITS = ["1e1", "\uff11\uff10", "\u0663", "\u0967\u0966", "+10", "1_0", "10.0", " 10", "10 ", "ten"]
# (module, option) of every whole-number option of the modules that contact hosts.
WHOLE_OPTIONS = [(module, "kms_port") for module in sorted(ACTIONS)] + [
    ("office_kms", "renew_below_days"), ("windows_kms", "renew_below_days"),
    ("office_kms", "min_cpu_mhz"), ("office_kms", "min_cpu_cores"), ("office_kms", "min_memory_mb"),
    ("office_kms", "min_free_disk_mb"),
]


def refused(module, args):
    result, programs = run_module(module, dict({"kms_host": "kms.example.edu", "requirements": "enforce"}
                                               if module == "office_kms" else {"kms_host": "kms.example.edu"},
                                               **args))
    assert programs == [], "something was sent to the host"
    return result


@pytest.mark.parametrize("value", NOT_DIGITS)
@pytest.mark.parametrize(("module", "option"), WHOLE_OPTIONS, ids=["%s-%s" % m for m in WHOLE_OPTIONS])
def test_every_whole_number_option_takes_only_ascii_digits(module, option, value):
    result = refused(module, {option: value})
    assert result["failed"] is True
    message = result["msg"]
    assert message.startswith("Invalid option: %s " % option), message
    assert repr(value) in message  # the value as given
    assert "as a whole number or ASCII digits" in message  # the form accepted
    assert "<class" not in message and "cannot be converted" not in message


@pytest.mark.parametrize(("module", "option"), WHOLE_OPTIONS, ids=["%s-%s" % m for m in WHOLE_OPTIONS])
@pytest.mark.parametrize("value", ["10", 10, "0010"])
def test_every_whole_number_option_takes_digits_and_integers(module, option, value):
    result, _programs = run_module(module, {"kms_host": "kms.example.edu", option: value})
    assert not result.get("msg", "").startswith("Invalid option"), result


@pytest.mark.parametrize("value", ["5;calc", "5 s", "\uff15", "1e1", "five"])
@pytest.mark.parametrize("module", sorted(ACTIONS))
def test_a_timeout_that_is_not_a_number_names_the_option_the_value_and_the_form(module, value):
    result = refused(module, {"connect_timeout": value})
    message = result["msg"]
    assert message.startswith("Invalid option: connect_timeout "), message
    assert "must be a number of seconds from 0.1 to 300" in message
    assert repr(value) in message
    assert "like 5 or 2.5" in message
    assert "<class" not in message and "float" not in message


def run_report(tmp_path, args):
    task = Task()
    task.args = dict({"results": {}, "dest": str(tmp_path)}, **args)
    task.check_mode = False
    task.diff = False
    action = report_action.ActionModule(task, mock.MagicMock(), PlayContext(), loader=None, templar=None,
                                        shared_loader_obj=None)
    return action.run(task_vars={})


@pytest.mark.parametrize("value", NOT_DIGITS)
@pytest.mark.parametrize("option", ["expiring_days", "max_clock_skew_seconds"])
def test_the_report_s_whole_number_options_take_only_ascii_digits(tmp_path, option, value):
    result = run_report(tmp_path, {option: value})
    assert result.get("failed") is True, result
    message = result["msg"]
    assert message.startswith("Invalid option: %s " % option) and repr(value) in message, message
    assert "as a whole number or ASCII digits" in message
    assert os.listdir(tmp_path) == []  # nothing written


@pytest.mark.parametrize("option", ["expiring_days", "max_clock_skew_seconds"])
def test_the_report_s_whole_number_options_take_digits(tmp_path, option):
    result = run_report(tmp_path, {option: "10"})
    assert not result.get("failed"), result
    assert json.loads((tmp_path / "kms-report.json").read_text())["hosts"] == []
    assert not re.search("Invalid option", json.dumps(result))
