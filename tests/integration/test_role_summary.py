"""The role's summary when every host fails (issue 21): printed once, a line per host, and
the failures still failures (the recap and ansible-playbook's exit code)."""

from __future__ import annotations

import re

from tests.integration.conftest import ROLE_SUMMARY
from tests.integration.test_role import ACT, ACTIVATE, SHOW_STATS, custom_stats, no_traceback

# kms-old.campus.example resolves but refuses connections (tests/simlab/scenarios/default.yml):
# every host that has Office to activate fails its reachability check.
DOWN = "office_kms_host=kms-old.campus.example"
HOSTS = ["pc07-activated", "pc16-lab", "pc19-lab"]


# The role's tasks: its argument validation and office_kms run per host, the others once per play.
VALIDATION = "Validating arguments against arg spec 'main' - Check, configure and activate volume-licensed Office " \
             "against a KMS host"
ONCE_PER_PLAY = ["Publish a fleet summary of every host failed, which the report replaces",
                 "Gather every host's outcome once", ROLE_SUMMARY, "Publish the fleet summary"]


def recap(run) -> dict[str, dict[str, int]]:
    """PLAY RECAP's counts by host, as ansible-playbook printed them."""
    _unused, found, text = run.stdout.rpartition("PLAY RECAP")
    assert found, run.stdout[-3000:]
    counts = {}
    for line in text.splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line)
        if match:
            counts[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return counts


def test_the_summary_is_printed_once_when_every_host_fails_and_the_hosts_stay_failed(lab, ansible):
    run = ansible(lab, ACTIVATE, "--limit", ",".join(HOSTS), "-e", DOWN, env=SHOW_STATS)
    no_traceback(run)
    # Every host failed, and the run says so.
    assert run.rc == 2, run.stdout[-3000:]
    counts = recap(run)
    assert sorted(counts) == HOSTS
    for host in HOSTS:
        assert run.result(host, ACT)["status"] == "failed"
        assert counts[host]["failed"] == 1 and counts[host]["unreachable"] == 0, counts
    # The summary was printed once (one task, run once), with each host's line saying why.
    assert len([r for r in run.records if r["task"].endswith(" : " + ROLE_SUMMARY)]) == 1
    lines = run.summary()
    assert sorted(lines) == HOSTS
    for host in HOSTS:
        reason = run.result(host, ACT)["result"]["msg"]
        assert "kms-old.campus.example" in reason
        assert lines[host] == "%s: FAILED: %s" % (host, reason.replace("\n", " "))
    # The published counts agree.
    assert custom_stats(run)["office_kms"] == {
        "state": "activated", "hosts": 3, "changed": 0, "ok": 0, "failed": 3, "failed_hosts": HOSTS,
        "changed_hosts": []}
    # No task ran on more than one host but the role's argument check and office_kms: the
    # gathering, the summary and the set_stats tasks ran once each.
    per_task: dict[str, set[str]] = {}
    for record in run.records:
        per_task.setdefault(record["task"], set()).add(record["host"])
    per_host = {task.split(" : ", 1)[-1] for task, hosts in per_task.items() if len(hosts) > 1}
    assert per_host == {ACT, VALIDATION}, sorted(per_task)


def test_per_host_the_role_costs_its_argument_validation_and_one_task_windows_included(lab, ansible):
    """Issue 22: with office_kms_windows, Office and Windows go through the one office_kms task:
    per host the recap shows the argument validation and that task, nothing skipped; a
    compliant host costs one WinRM command; the summary is built once per play."""
    hosts = ["pc07-activated", "pc16-lab", "pc17-lab", "pc19-lab"]
    windows = ("-e", "office_kms_windows=true")
    first = ansible(lab, ACTIVATE, "--limit", ",".join(hosts), *windows)
    assert first.rc == 0, first.stdout[-3000:]
    commands = {host: lab.requests(host).count("Command") for host in hosts}
    second = ansible(lab, ACTIVATE, "--limit", ",".join(hosts), *windows, env=SHOW_STATS)
    no_traceback(second)
    assert second.rc == 0, second.stdout[-3000:]
    for host in hosts:
        assert lab.requests(host).count("Command") == commands[host] + 1, host  # compliant: one call
        result = second.result(host, ACT)["result"]
        assert (sorted(result["applications"]), result["changed"], result["remote_calls"]) == (
            ["office", "windows"], False, 1), host
    # The first host of the play also ran the tasks that run once per play (and the playbook's
    # survey pre_tasks, run once and skipped without a survey); every other host ran exactly
    # the argument validation and office_kms, nothing skipped.
    first_host = hosts[0]
    for host in hosts:
        role = [r for r in second.results(host) if " : " in r["task"]]
        assert [r["task"].split(" : ", 1)[1] for r in role] == (
            [VALIDATION, ONCE_PER_PLAY[0], ACT] + ONCE_PER_PLAY[1:] if host == first_host else [VALIDATION, ACT]), host
        assert {r["status"] for r in role} == {"ok"}, host
        others = [r for r in second.results(host) if " : " not in r["task"]]
        assert {r["status"] for r in others} <= {"skipped"} and (host == first_host or not others), host
    counts = recap(second)
    assert sorted(counts) == sorted(hosts)
    for host in hosts:
        once = host == first_host
        expected = (2 + len(ONCE_PER_PLAY) * once, 0, len([r for r in second.results(host) if " : " not in r["task"]]))
        assert (counts[host]["ok"], counts[host]["changed"], counts[host]["skipped"]) == expected, (host, counts[host])
        assert counts[host]["failed"] == 0 and (once or counts[host]["skipped"] == 0), (host, counts[host])
    assert custom_stats(second)["office_kms"] == {
        "state": "activated", "hosts": 4, "changed": 0, "ok": 4, "failed": 0, "failed_hosts": [],
        "changed_hosts": []}
    # The first run changed hosts, each counted once although two applications changed.
    published = [r for r in first.records if r["task"].endswith("Publish the fleet summary")]
    assert len(published) == 1
    stats = published[0]["result"]["ansible_stats"]["data"]["office_kms"]
    assert stats["changed"] == len(stats["changed_hosts"]) and "pc16-lab" in stats["changed_hosts"]


# Numbers the role is given (issue 21): one rule, that of office_kms, whatever the variable;
# the message names the option (a threshold with the role's variable), the value and the form.
ROLE_NUMBERS = [
    ("office_kms_connect_timeout", "5;calc", "connect_timeout must be a number of seconds from 0.1 to 300"),
    ("office_kms_renew_below_days", "1e1", "renew_below_days must be a number of days from 0 to 180"),
    ("office_kms_port", "\uff11\uff16\uff18\uff18", "kms_port must be a TCP port"),
    ("office_kms_min_memory_mb", "\u0664\u0660\u0669\u0666", "min_memory_mb (the role's office_kms_min_memory_mb) "
     "must be a memory size in MB of 0 or more"),
]


def test_a_number_the_role_cannot_use_fails_every_host_naming_the_variable_before_anything_is_sent(lab, ansible):
    hosts = ["pc07-activated", "pc16-lab"]
    for variable, value, words in ROLE_NUMBERS:
        run = ansible(lab, ACTIVATE, "--limit", ",".join(hosts), "-e", "%s=%s" % (variable, value))
        no_traceback(run)
        assert run.rc == 2, run.stdout[-3000:]
        for host in hosts:
            record = run.result(host, ACT)
            assert record["status"] == "failed"
            message = record["result"]["msg"]
            assert message.startswith("Invalid option: " + words), message
            assert repr(value) in message and "<class" not in message
            assert message.endswith(". Nothing was sent to %s." % host)
            assert lab.commands(host) == [] and lab.requests(host) == []
        assert sorted(run.summary()) == hosts


def test_the_summary_in_traditional_chinese_says_what_each_host_result_says(lab, ansible):
    """-e office_kms_report_language=zh-TW through ansible-playbook: a line per host, composed
    from the host's result codes, with the same outcome as the task (changed, compliant, the
    failure's HRESULT, the requirement shortfall)."""
    run = ansible(lab, ACTIVATE, "-e", "office_kms_report_language=zh-TW")
    no_traceback(run)
    found = [r for r in run.records if r["task"].endswith(" : " + ROLE_SUMMARY)]
    assert len(found) == 1, run.stdout[-3000:]
    lines = {line.split("：", 1)[0]: line for line in found[0]["result"]["msg"]}
    assert sorted(lines) == sorted(lab.host_names)
    for host, line in lines.items():
        assert re.search("[\u4e00-\u9fff]", line), line
        record = run.result(host, ACT)
        result = record["result"]
        if record["status"] == "failed":
            assert line.startswith(host + "：失敗："), line
            if result.get("error_code"):
                assert result["error_code"] in line, (line, result["error_code"])
            if (result.get("requirements") or {}).get("shortfall_facts") and not result.get("applications"):
                assert "系統需求" in line, line
        elif result.get("changed"):
            assert "已變更：" in line, line
        else:
            assert "已變更" not in line, line
    assert "pc15-clock-skew" in lines and "0xC004F06C" in lines["pc15-clock-skew"]
    assert "低於 Office LTSC 2024 的系統需求" in lines["pc10-underpowered"] or \
        "低於 Office LTSC 2021 的系統需求" in lines["pc10-underpowered"], lines["pc10-underpowered"]
