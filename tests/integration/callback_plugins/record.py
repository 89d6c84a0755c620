"""Test-only callback: writes every task result as one JSON line to $SIMLAB_RECORD, so the
integration tests can assert on what ansible-playbook really returned per host."""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: record
type: aggregate
short_description: Record task results as JSON lines (tests only)
description: Writes each task result to the file named by SIMLAB_RECORD.
requirements: []
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._path = os.environ.get("SIMLAB_RECORD")

    def _write(self, status: str, result) -> None:
        if not self._path:
            return
        entry = {
            "host": result._host.get_name(),
            "task": result._task.get_name(),
            "action": result._task.action,
            "status": status,
            "result": self._clean(result._result),
        }
        with open(self._path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    @staticmethod
    def _clean(data):
        return json.loads(json.dumps(data, default=str))

    def v2_runner_on_ok(self, result) -> None:
        self._write("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False) -> None:
        self._write("failed", result)

    def v2_runner_on_unreachable(self, result) -> None:
        self._write("unreachable", result)

    def v2_runner_on_skipped(self, result) -> None:
        self._write("skipped", result)
