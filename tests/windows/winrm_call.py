"""One program of host operations sent over WinRM as Ansible's winrm connection plugin sends it.

ansible-core does not run on Windows (it is a POSIX controller), so the runner cannot run
ansible-playbook against itself; this is the plugin's exchange, made with the same pywinrm
calls, for .github/workflows/windows.yml (job office) to reach the executor through the
runner's own WinRM listener (shared/reference/winrm-wire.md, "One Ansible task over winrm"):

* one shell per task: Create with WINRS_CODEPAGE=65001 (``open_shell(codepage=65001)``),
  Delete at the end;
* the command: the bootstrap's command line, split on spaces as the plugin splits a command
  that already starts with ``PowerShell ... -EncodedCommand`` (hostops.bootstrap_command()),
  with WINRS_CONSOLEMODE_STDIN=FALSE since there is standard input;
* standard input (hostops.build_stdin()) in Send requests of 200,000 bytes before base64,
  ``End="true"`` on the last only (ansible-core's ``_winrm_send_input``);
* Receive until Done (a WS-Man operation timeout means "still running": ask again), then
  Signal terminate (``cleanup_command``); CLIXML on stderr decoded as the plugin does.

``execute`` has the signature of an action plugin's ``_low_level_execute_command``, so the
collection's own hostops.run() and the modules' phases send through it unchanged.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops

SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
SEND_ACTION = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
CHUNK = 200000  # ansible-core's _wrapper_payload_stream buffer_size
DEFAULT_ENDPOINT = "http://127.0.0.1:5985/wsman"


class WinrmCaller:
    """``execute(command, in_data=None, sudoable=False)``: one task's exchange with ``endpoint``."""

    def __init__(self, endpoint: str, username: str, password: str, transport: str = "ntlm") -> None:
        from winrm.protocol import Protocol  # noqa: PLC0415 - only the WinRM runs need pywinrm

        # pywinrm's defaults are the plugin's (operation timeout 20 s, read timeout 30 s);
        # NTLM over HTTP encrypts every message (message_encryption auto).
        self.protocol = Protocol(endpoint, transport=transport, username=username, password=password,
                                 server_cert_validation="ignore")
        self.calls = 0

    @classmethod
    def from_environment(cls) -> WinrmCaller:
        """WINRM_ENDPOINT (default the runner's own HTTP listener), WINRM_USER, WINRM_PASSWORD,
        WINRM_TRANSPORT (default ntlm): what the workflow's WinRM step exported."""
        return cls(os.environ.get("WINRM_ENDPOINT", DEFAULT_ENDPOINT), os.environ["WINRM_USER"],
                   os.environ["WINRM_PASSWORD"], os.environ.get("WINRM_TRANSPORT", "ntlm"))

    def execute(self, command: str, in_data: bytes | None = None, sudoable: bool = False) -> dict[str, Any]:
        from winrm.exceptions import WinRMOperationTimeoutError  # noqa: PLC0415

        self.calls += 1
        argv = command.split(" ")
        shell_id = self.protocol.open_shell(codepage=65001)
        try:
            command_id = self.protocol.run_command(shell_id, argv[0], argv[1:], console_mode_stdin=in_data is None)
            try:
                for chunk, last in chunks(in_data or b""):
                    self.send_input(shell_id, command_id, chunk, last)
                stdout, stderr, rc, done = [], [], -1, False
                while not done:
                    try:
                        out, err, rc, done = self.protocol.get_command_output_raw(shell_id, command_id)
                    except WinRMOperationTimeoutError:
                        continue  # still running
                    stdout.append(out)
                    stderr.append(err)
            finally:
                self.protocol.cleanup_command(shell_id, command_id)
        finally:
            self.protocol.close_shell(shell_id)
        err_text = b"".join(stderr).decode("utf-8", errors="replace")
        return {"rc": rc, "stdout": b"".join(stdout).decode("utf-8", errors="replace"),
                "stderr": hostops.clixml_text(err_text)}

    def send_input(self, shell_id: str, command_id: str, data: bytes, last: bool) -> None:
        """ansible-core's _winrm_send_input: one Send with a stdin stream, End only on the last."""
        import xmltodict  # noqa: PLC0415 - pywinrm's own dependency

        header = self.protocol.build_wsman_header(resource_uri=SHELL_URI, action=SEND_ACTION, shell_id=shell_id)
        envelope = {"env:Envelope": header}
        stream: dict[str, Any] = {"@Name": "stdin", "@CommandId": command_id,
                                  "#text": base64.b64encode(data).decode("ascii")}
        if last:
            stream["@End"] = "true"
        envelope["env:Envelope"]["env:Body"] = {"rsp:Send": {"rsp:Stream": stream}}
        self.protocol.send_message(xmltodict.unparse(envelope))


def chunks(payload: bytes, size: int = CHUNK) -> list[tuple[bytes, bool]]:
    """(chunk, is_last) as ansible-core's _wrapper_payload_stream cuts standard input."""
    return [(payload[i:i + size], i + size >= len(payload)) for i in range(0, len(payload), size)]
