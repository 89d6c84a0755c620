"""A lab host in Traditional Chinese (issue 25; tests/simlab/locales.py): it shows what a zh-TW
Windows localises (the OS caption and architecture, the text of Windows', .NET's and PowerShell's
errors, the console's code page) and keeps what Windows keeps (every code, name and datum). Each
test runs PowerShell on two lab hosts that differ only in their display language, and names the
Microsoft source of the zh-TW text it expects.

Sources (full citations in tests/simlab/locales.py):
  [AEC]  "解決 Windows 啟用錯誤碼", the zh-TW version of docs.microsoft.com/windows-server/get-started/
         activation-error-codes (human-translated), as kept in windowsserverdocs.zh-tw
  [SEC]  "系統錯誤碼" (System Error Codes), learn.microsoft.com/zh-tw/windows/win32/debug/
         (MicrosoftDocs/win32-pr.zh-tw, machine-translated)
  [WMI]  "WMI 錯誤常數" (WMI Error Constants), the same repository
  [OS]   "Win32_OperatingSystem 類別", the same repository: Caption and OSArchitecture "可以當地語系化"
  [KMSK] "KMS 用戶端安裝識別碼" (KMS client setup keys), windowsserverdocs.zh-tw (human-translated)
  [ACT19] "Windows Server 2019 Activation", windowsserverdocs.zh-tw get-started-19/activation-19.md
  [OSPP] Microsoft's ospp.vbs (as kept in jasonadsit/powershell-scripts, PsTokenBasedActivation/1.6)
  [SEED] the project's source document, reference/seed-office2024-kms-procedure.zh-TW.txt
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.simlab import locales
from tests.simlab.cim import MESSAGES
from tests.simlab.host import WindowsHost
from tests.simlab.network import Network
from tests.simlab.powershell import runtime as rt
from tests.simlab.powershell import session
from tests.simlab.powershell.runtime import Unsupported
from tests.simlab.scenario import ScenarioError, parse
from tests.simlab.wsman import CommandRequest

PROPLUS = "8d368fc1-9470-4be2-8d66-90e836cbb051"
OFFICE = "0ff1ce15-a989-479d-af46-f275c6370663"


def _proplus(kms_host: str) -> dict[str, Any]:
    return {"class": "SoftwareLicensingProduct", "ID": PROPLUS, "ProductKey": "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB",
            "Name": "Office 24, Office24ProPlus2024VL_KMS_Client_AE edition",
            "Description": "Office 24, VOLUME_KMSCLIENT channel", "ApplicationID": OFFICE, "PartialProductKey": "GCVGB",
            "LicenseStatus": 2, "LicenseStatusReason": 0x4004F00C, "GracePeriodRemaining": 43200,
            "KeyManagementServiceMachine": kms_host, "KeyManagementServicePort": 1688,
            "DiscoveredKeyManagementServiceMachineName": None, "DiscoveredKeyManagementServiceMachinePort": 0}


def scenario(locale: str, **host: Any) -> dict[str, Any]:
    """One Windows 11 Education PC with Office LTSC 2024 pointed at ``kms-down.test`` (refuses
    connections), in ``locale``; ``host`` replaces entries of the host."""
    entry = {"name": "pc", "client_machine_id": "c-1", "locale": locale, "products": [_proplus("kms-down.test")]}
    entry.update(host)
    return {
        "defaults": {"username": "Administrator", "password": "x",
                     "os": {"caption": "Microsoft Windows 11 Education", "version": "10.0.22631", "build": "22631",
                            "architecture": "64-bit"},
                     "cpu": {"mhz": 2904, "cores": 6}, "memory_mb": 16384, "system_drive_free_mb": 181000,
                     "dns_kms_host": "kms.test", "dns_domain": "test"},
        "kms_hosts": [{"name": "kms.test", "addresses": ["192.0.2.10"]},
                      {"name": "kms-down.test", "listening": False, "addresses": ["192.0.2.30"]},
                      {"name": "kms-few.test", "addresses": ["192.0.2.40"], "current_count": 3}],
        "hosts": [entry],
    }


@pytest.fixture
def machine() -> Iterator[Any]:
    """machine(locale, **host) -> a WindowsHost of scenario(locale, **host)."""
    networks: list[Network] = []

    def make(locale: str, **host: Any) -> WindowsHost:
        parsed = parse(scenario(locale, **host))
        network = Network(parsed.kms_hosts)
        networks.append(network)
        return WindowsHost(parsed.hosts[0], network, parsed.known_keys)

    yield make
    for network in networks:
        network.close()


def run(host: WindowsHost, script: str) -> list[str]:
    """The script's output on the host, each object as text; the script must run to its end."""
    outcome = session.run_script(host, script, [], None)
    assert outcome.terminating is None, outcome.terminating.exception.message
    assert host.emulation_errors == []
    return [rt.to_string(o) for o in outcome.output]


def both(machine: Any, script: str, **host: Any) -> tuple[list[str], list[str]]:
    """The script's output on a zh-TW host and on the same host in en-US."""
    return run(machine("zh-TW", **host), script), run(machine("en-US", **host), script)


# -- the caption and the architecture (Win32_OperatingSystem) --------------------------------------
OS_SCRIPT = "$os = Get-CimInstance -ClassName Win32_OperatingSystem; $os.Caption; $os.OSArchitecture; $os.Name"


def test_the_os_caption_and_architecture_are_in_traditional_chinese(machine):
    """[OS]: Caption "可以當地語系化" (example "Microsoft Windows 7 企業版"), OSArchitecture too;
    "Windows 10 教育版" [ACT19]. "64 位元" is UNCONFIRMED ([OS]'s machine translation writes "32位";
    "位元" is the word [SEED] writes: "4 GB RAM (64 位元)")."""
    chinese, english = both(machine, OS_SCRIPT)
    assert chinese == ["Microsoft Windows 11 教育版", "64 位元",
                       "Microsoft Windows 11 教育版|C:\\WINDOWS|\\Device\\Harddisk0\\Partition2"]
    assert english == ["Microsoft Windows 11 Education", "64-bit",
                       "Microsoft Windows 11 Education|C:\\WINDOWS|\\Device\\Harddisk0\\Partition2"]


@pytest.mark.parametrize(("english", "chinese", "source"), [
    ("Microsoft Windows 11 Pro Education", "Microsoft Windows 11 專業教育版", "[KMSK] Windows 10 專業教育版"),
    ("Microsoft Windows 10 Education", "Microsoft Windows 10 教育版", "[ACT19] Windows 10 教育版"),
    ("Microsoft Windows 10 Pro", "Microsoft Windows 10 專業版", "[ACT19] Windows 10 專業版"),
    ("Microsoft Windows 11 Enterprise", "Microsoft Windows 11 企業版", "[ACT19] Windows 10 企業版"),
    ("Microsoft Windows 10 Enterprise LTSC 2019", "Microsoft Windows 10 企業版 LTSC 2019",
     "[KMSK] Windows 10 企業版 LTSC 2019"),
    ("Microsoft Windows 10 Pro for Workstations", "Microsoft Windows 10 工作站專業版",
     "[KMSK] Windows 10 工作站專業版"),
    ("Microsoft Windows 7 Professional", "Microsoft Windows 7 專業版", "[KMSK] Windows 7 專業版"),
    ("Microsoft Windows 7 Enterprise", "Microsoft Windows 7 企業版", "[OS] Microsoft Windows 7 企業版"),
    ("Microsoft Windows Server 2022 Standard", "Microsoft Windows Server 2022 Standard",
     "[KMSK] keeps Windows Server 2019 Datacenter / Standard"),
])
def test_each_edition_has_microsoft_s_zh_tw_name(machine, english, chinese, source):
    os_ = {"caption": english, "version": "10.0.22631", "build": "22631", "architecture": "64-bit"}
    [caption, _architecture, _name] = run(machine("zh-TW", os=os_), OS_SCRIPT)
    assert caption == chinese, source
    assert run(machine("en-US", os=os_), OS_SCRIPT)[0] == english


def test_a_zh_tw_host_needs_an_edition_the_lab_has_a_name_for():
    """No name is made up: an edition without a published zh-TW name is refused at load, as is a
    language the lab does not emulate."""
    home = {"caption": "Microsoft Windows 10 Home Single Language", "version": "10.0.19045", "build": "19045",
            "architecture": "64-bit"}
    with pytest.raises(ScenarioError, match="no zh-TW name for the edition"):
        parse(scenario("zh-TW", os=home))
    assert parse(scenario("en-US", os=home)).hosts[0].locale == "en-US"
    with pytest.raises(ScenarioError, match="locale must be one of en-US, zh-TW"):
        parse(scenario("ja-JP"))


def test_locale_can_be_set_for_every_host_in_defaults():
    data = scenario("zh-TW")
    del data["hosts"][0]["locale"]
    assert parse(copy.deepcopy(data)).hosts[0].locale == "en-US"
    data["defaults"]["locale"] = "zh-TW"
    assert parse(data).hosts[0].locale == "zh-TW"


# -- CimException: the text is Windows', the codes stay ------------------------------------------------
CIM_ACTIVATE = """
$p = Get-CimInstance -ClassName SoftwareLicensingProduct -Filter "ID = '%s'"
try { Invoke-CimMethod -InputObject $p -MethodName Activate -ErrorAction Stop }
catch {
    $_.Exception.Message
    $_.Exception.MessageId
    [string]$_.Exception.NativeErrorCode
    $_.Exception.ErrorData.CimInstanceProperties['error_Code'].Value
    $_.Exception.ErrorData.CimInstanceProperties['Message'].Value
    $_.FullyQualifiedErrorId
    [string]$_.CategoryInfo.Category
}
""" % PROPLUS


def test_a_kms_activation_error_is_worded_in_chinese_with_the_same_codes(machine):
    """0xC004F074 [AEC]: "軟體保護服務報告指出無法啟用電腦。 無法聯繫金鑰管理服務 (KMS)。 如需其他資訊，請參閱
    應用程式事件記錄檔。" (as published, with the page's spaces between sentences)."""
    chinese, english = both(machine, CIM_ACTIVATE)
    text = "軟體保護服務報告指出無法啟用電腦。 無法聯繫金鑰管理服務 (KMS)。 如需其他資訊，請參閱應用程式事件記錄檔。"
    assert chinese[0] == chinese[4] == text  # the exception's message and MSFT_WmiError's
    assert english[0].startswith("The Software Licensing Service reported that the product could not be activated.")
    assert chinese[1:4] == english[1:4] == ["HRESULT 0xc004f074", "Failed", str(0xC004F074)]
    assert chinese[5:] == english[5:] == [
        "HRESULT 0xc004f074,Microsoft.Management.Infrastructure.CimCmdlets.InvokeCimMethodCommand", "NotSpecified"]


def test_a_count_too_low_is_worded_in_chinese(machine):
    """0xC004F038 [AEC]: "軟體保護服務報告指出無法啟用電腦。 您的金鑰管理服務 (KMS) 報告的計數不足。 請連絡您的
    系統管理員。"."""
    chinese, english = both(machine, CIM_ACTIVATE, products=[_proplus("kms-few.test")])
    assert chinese[0] == ("軟體保護服務報告指出無法啟用電腦。 您的金鑰管理服務 (KMS) 報告的計數不足。 "
                          "請連絡您的系統管理員。")
    assert chinese[4] == chinese[0]
    assert chinese[1:4] + chinese[5:] == english[1:4] + english[5:] and chinese[1] == "HRESULT 0xc004f038"


def test_wmi_s_own_errors_are_worded_in_chinese(machine):
    """WBEM_E_INVALID_CLASS [WMI]: "指定的類別無效。" (the code's description; WMI's own short text in
    zh-TW is UNCONFIRMED). No osppsvc here: its class is not registered."""
    script = """
try { Get-CimInstance -ClassName OfficeSoftwareProtectionProduct -ErrorAction Stop }
catch { $_.Exception.Message; $_.Exception.MessageId; [string]$_.Exception.NativeErrorCode; $_.FullyQualifiedErrorId }
"""
    chinese, english = both(machine, script)
    assert (chinese[0], english[0]) == ("指定的類別無效。", "Invalid class ")
    assert chinese[1:] == english[1:] == [
        "HRESULT 0x80041010", "InvalidClass",
        "HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand"]


def test_access_denied_is_worded_in_chinese(machine):
    """0x80070005 [AEC]: "拒絕存取。 要求的動作需要提高的權限。", its first sentence as WMI's "Access
    denied"."""
    script = """
try { Get-CimInstance -ClassName SoftwareLicensingService -ErrorAction Stop }
catch { $_.Exception.Message; $_.FullyQualifiedErrorId; [string]$_.CategoryInfo.Category }
"""
    chinese, english = both(machine, script, faults={"access_denied": True})
    assert chinese[0] == "拒絕存取。" and english[0] == "Access denied "
    assert chinese[1:] == english[1:] == [
        "HRESULT 0x80070005,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand", "PermissionDenied"]


def test_a_fault_s_own_message_is_shown_as_given(machine):
    """A scenario that words a WMI failure itself gets its words, in any language."""
    script = """
try { Get-CimInstance -ClassName SoftwareLicensingService -ErrorAction Stop } catch { $_.Exception.Message }
"""
    fault = {"cim_errors": [{"query": True, "hresult": 0x80041001, "message": "一般失敗"}]}
    assert both(machine, script, faults=fault) == (["一般失敗"], ["一般失敗"])


def test_every_windows_text_the_cim_provider_gives_has_a_zh_tw_text():
    """Whatever WMI or licensing error a zh-TW host meets, it is worded in Chinese (a message
    without a zh-TW text is not emulated on such a host: locales.text refuses it)."""
    for english in MESSAGES.values():
        chinese = locales.text("zh-TW", english)
        assert not chinese.isascii(), english
    with pytest.raises(Unsupported, match="zh-TW text"):
        locales.text("zh-TW", "A message the lab has no Chinese for.")
    assert locales.text("en-US", "A message the lab has no Chinese for.") == "A message the lab has no Chinese for."


# -- .NET's socket errors, in PowerShell's MethodInvocationException ------------------------------
def test_a_name_that_does_not_resolve_is_worded_in_chinese(machine):
    """11001 WSAHOST_NOT_FOUND [SEC]: "沒有已知的此類主機。"; PowerShell's wrapper 'Exception calling
    "{0}" with "{1}" argument(s): "{2}"' in zh-TW is UNCONFIRMED (not published)."""
    script = """
try { [Net.Dns]::GetHostAddresses('nowhere.test') }
catch { $_.Exception.Message; $_.Exception.InnerException.Message; $_.Exception.InnerException.ErrorCode
    [string]$_.Exception.InnerException.SocketErrorCode; $_.FullyQualifiedErrorId }
"""
    chinese, english = both(machine, script)
    assert chinese[:2] == ['使用 "1" 個引數呼叫 "GetHostAddresses" 時發生例外狀況: "沒有已知的此類主機。"',
                           "沒有已知的此類主機。"]
    assert english[:2] == ['Exception calling "GetHostAddresses" with "1" argument(s): "No such host is known"',
                           "No such host is known"]
    assert chinese[2:] == english[2:] == ["11001", "HostNotFound", "SocketException"]


def test_a_refused_connection_is_worded_in_chinese_with_the_end_point(machine):
    """10061 WSAECONNREFUSED [SEC]: "無法進行連接，因為目的電腦主動拒絕連線。" (Windows' own wording may
    differ: the page is a machine translation), followed by the end point as in English."""
    script = """
$tcp = New-Object Net.Sockets.TcpClient([Net.Sockets.AddressFamily]::InterNetwork)
$ar = $tcp.BeginConnect([Net.IPAddress]'192.0.2.30', 1688, $null, $null)
$null = $ar.AsyncWaitHandle.WaitOne(2000)
try { $tcp.EndConnect($ar) } catch { $_.Exception.InnerException.Message; $_.Exception.InnerException.ErrorCode }
"""
    chinese, english = both(machine, script)
    assert chinese == ["無法進行連接，因為目的電腦主動拒絕連線。 192.0.2.30:1688", "10061"]
    assert english == ["No connection could be made because the target machine actively refused it 192.0.2.30:1688",
                       "10061"]


# -- the cmdlets' own errors: PowerShell's resources ------------------------------------------------
def test_a_missing_registry_key_a_service_and_events_are_worded_in_chinese_with_the_same_ids(machine):
    """ItemNotFoundException, ServiceCommandException and Get-WinEvent's "no events": Windows
    PowerShell's own zh-TW texts are not published (UNCONFIRMED); the error IDs stay."""
    script = r"""
try { Get-Item -LiteralPath 'HKLM:\SOFTWARE\Nowhere' -ErrorAction Stop }
catch { $_.Exception.Message; $_.FullyQualifiedErrorId }
try { Get-Service -Name osppsvc -ErrorAction Stop } catch { $_.Exception.Message; $_.FullyQualifiedErrorId }
try { Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Id = 12288 } -MaxEvents 1 -ErrorAction Stop }
catch { $_.Exception.Message; $_.FullyQualifiedErrorId }
"""
    chinese, english = both(machine, script)
    assert chinese[0::2] == ["找不到路徑 'HKLM:\\SOFTWARE\\Nowhere'，因為它不存在。",
                             "找不到任何服務名稱為 'osppsvc' 的服務。", "找不到任何符合指定選取準則的事件。"]
    assert english[0::2] == ["Cannot find path 'HKLM:\\SOFTWARE\\Nowhere' because it does not exist.",
                             "Cannot find any service with service name 'osppsvc'.",
                             "No events were found that match the specified selection criteria."]
    assert chinese[1::2] == english[1::2] == [
        "PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand",
        "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand",
        "NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand"]


def test_a_dns_name_without_records_and_an_unavailable_event_log_are_worded_in_chinese(machine):
    """9003 [AEC] 0x8007232B "DNS 名稱不存在。" (Resolve-DnsName writes "<name> : " before it, without the
    full stop, as in English); 1722 [AEC] 0x800706BA "RPC 伺服器無法使用。"."""
    script = """
try { Resolve-DnsName -Name _vlmcs._tcp.nowhere.test -Type SRV -DnsOnly -ErrorAction Stop }
catch { $_.Exception.Message; $_.Exception.NativeErrorCode; $_.FullyQualifiedErrorId }
try { Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Id = 12288 } -MaxEvents 1 -ErrorAction Stop }
catch { $_.Exception.Message; $_.Exception.HResult }
"""
    chinese, english = both(machine, script, faults={"eventlog_service": "unavailable"})
    assert chinese[0] == "_vlmcs._tcp.nowhere.test : DNS 名稱不存在"
    assert english[0] == "_vlmcs._tcp.nowhere.test : DNS name does not exist"
    assert (chinese[3], english[3]) == ("RPC 伺服器無法使用。", "The RPC server is unavailable")
    assert chinese[1:3] + chinese[4:] == english[1:3] + english[4:] == [
        "9003", "DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName", str(-2147023174)]


# -- what stays: event data, the console's text, the program's own words ---------------------------
def test_licensing_events_carry_the_same_data(machine):
    """Event insertion strings are data (the HRESULT, the count, ...), not text: the same on both."""
    script = """
$p = Get-CimInstance -ClassName SoftwareLicensingProduct -Filter "ID = '%s'"
try { Invoke-CimMethod -InputObject $p -MethodName Activate -ErrorAction Stop } catch { }
foreach ($e in @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Id = 12289 } -MaxEvents 1)) {
    $e.ProviderName; ([string]$e.Properties[0].Value).Split(',')[0..6] -join ','
}
""" % PROPLUS
    chinese, english = both(machine, script, products=[_proplus("kms-few.test")])
    assert chinese == english == ["Microsoft-Windows-Security-SPP", "0xC004F038, 0x0, 0, 0, 3, 120, 10080"]


def _console(host: WindowsHost, command: str) -> str:
    encoded = base64.b64encode(command.encode("utf-16-le")).decode()
    reply = host(CommandRequest("h", "PowerShell", ["-NoProfile -NonInteractive -EncodedCommand " + encoded], b""))
    assert reply.exit_code == 0
    return reply.stdout.decode()


def test_ospp_vbs_writes_the_same_english_on_a_traditional_chinese_windows(machine):
    """[OSPP]: ospp.vbs's messages are English constants and ERROR DESCRIPTION comes from the
    slerror.xml beside it; [SEED] shows that English output on a zh-TW Windows."""
    act = 'cscript //nologo "C:\\Program Files\\Microsoft Office\\root\\Office16\\OSPP.VBS" /act'
    chinese, english = _console(machine("zh-TW"), act), _console(machine("en-US"), act)
    assert chinese == english
    assert "ERROR CODE: 0xC004F074\r\nERROR DESCRIPTION: The Software Licensing Service reported" in chinese
    assert "LICENSE NAME: Office 24, Office24ProPlus2024VL_KMS_Client_AE edition" in chinese


def test_the_console_s_code_page_is_big5(machine):
    """Microsoft's Code Page Identifiers: 950 big5 "ANSI/OEM Traditional Chinese (Taiwan; Hong Kong
    SAR, PRC)", 437 IBM437 "OEM United States": the console's code page until a script sets
    [Console]::OutputEncoding."""
    script = "[Console]::OutputEncoding.CodePage; [Console]::OutputEncoding.WebName"
    assert both(machine, script) == (["950", "big5"], ["437", "IBM437"])


def test_a_console_without_a_handle_fails_in_chinese(machine):
    """6 ERROR_INVALID_HANDLE [SEC]: "控制代碼無效。"; the setter's wrapper in zh-TW is UNCONFIRMED."""
    script = """
try { [Console]::OutputEncoding = New-Object Text.UTF8Encoding $false }
catch { $_.Exception.Message; $_.Exception.InnerException.HResult; $_.FullyQualifiedErrorId }
"""
    chinese, english = both(machine, script, faults={"console": "no_handle"})
    assert chinese[0] == '設定 "OutputEncoding" 時發生例外狀況: "控制代碼無效。"'
    assert english[0] == 'Exception setting "OutputEncoding": "The handle is invalid."'
    assert chinese[1:] == english[1:] == [str(-2147024890), "ExceptionWhenSetting"]


def test_windows_powershell_2_0_says_it_has_no_convertto_json_in_chinese(machine):
    """The clixml_error fault: Windows PowerShell's CommandNotFoundException text, UNCONFIRMED in
    zh-TW; the command name in it stays."""
    script = base64.b64encode("'x' | ConvertTo-Json".encode("utf-16-le")).decode()
    chinese = machine("zh-TW", faults={"clixml_error": True})(
        CommandRequest("h", "PowerShell", ["-NoProfile -EncodedCommand " + script], b""))
    assert chinese.exit_code == 1
    stderr = chinese.stderr.decode("utf-8")
    assert "無法辨識 'ConvertTo-Json' 詞彙是否為 Cmdlet、函數、指令檔或可執行程式的名稱。" in stderr
