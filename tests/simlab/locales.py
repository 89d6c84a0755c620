"""A lab host's display language (the scenario's ``locale``): what a Windows in that language
shows differently from an en-US one, and what it keeps.

``locale`` is the host's Windows display language: "en-US" (the default) or "zh-TW", a
Traditional Chinese Windows as Taiwan's PCs run it (the readers of the source document,
reference/seed-office2024-kms-procedure.zh-TW.txt). It can be set per host or in a scenario's
``defaults`` (scenario.py).

What Windows localises, and the lab with it on a zh-TW host:
- Win32_OperatingSystem's Caption (and Name, which begins with it) and OSArchitecture: "This
  property can be localized" (Microsoft's Win32_OperatingSystem page, in its zh-TW version too:
  "這個屬性可以當地語系化", whose example caption is "Microsoft Windows 7 企業版"). caption()
  and architecture() below;
- the message text of the errors Windows and .NET produce: system messages (FormatMessage), the
  licensing service's and WMI's texts in a CimException, the socket, DNS and event log errors,
  and Windows PowerShell's own error texts (its resources are localised). text() below;
- the console's OEM code page: 950 on a Traditional Chinese Windows (Microsoft's "Code Page
  Identifiers": 950 "ANSI/OEM Traditional Chinese (Taiwan; Hong Kong SAR, PRC); Chinese
  Traditional (Big5)"), 437 on an en-US one (oem_codec() below).

What stays as it is, on every Windows: every code (HRESULTs, Win32 and socket error codes, a
CimException's MessageId and NativeErrorCode, FullyQualifiedErrorId, error categories, event
IDs), every name (classes, properties, methods, service names, SKU IDs), the licensing products'
Name and Description (on a Traditional Chinese Windows ospp.vbs prints "LICENSE NAME: Office 19,
Office19ProPlus2019VL_KMS_Client_AE edition", the source document's step 3), Windows Server's
edition names (Microsoft's zh-TW "KMS 用戶端安裝識別碼" page keeps "Windows Server 2019 Datacenter"),
event insertion strings (data), the text of scripts (a message a script writes is its own), and
ospp.vbs's console text: the script's messages are English constants (MSG_SUCCESS "Successfully
applied setting.", MSG_ACTSUCCESS "<Product activation successful>", ...) and its ERROR
DESCRIPTION comes from the slerror.xml beside it (Microsoft's ospp.vbs, as kept in
jasonadsit/powershell-scripts PsTokenBasedActivation/1.6/ospp.vbs: getResource reads
currentDir & "slerror.xml"); the source document shows that English output on a Traditional
Chinese Windows whose Windows Script Host banner is Chinese ("著作權所有，並保留一切權利").

What the lab does not localise: the messages only a script's own mistake produces (the
PowerShell language engine's, parameter binding's, the argument checks of .NET methods and of the
CIM cmdlets, ConvertFrom-Json's and JavaScriptSerializer's) stay English on every lab host, and
culture-dependent formatting (DateTime.ToString() without a format) is the en-US one. Nor does it
model an event's rendered Message (EventLogRecord.Message): its events carry their insertion
strings only (eventlog.py). Display names Windows localises (a service's DisplayName, a firewall
rule's DisplayName and Description) stay English: their zh-TW names are not published.

The texts. Windows' own zh-TW wording is published for none of them as such; Microsoft publishes
zh-TW documentation that quotes or describes them. Each entry names its source:
  [AEC]   "解決 Windows 啟用錯誤碼" (Resolve Windows activation error codes), the zh-TW version of
          docs.microsoft.com/windows-server/get-started/activation-error-codes, human-translated
          (ms.translationtype: HT, 2020): each error's "此錯誤訊息的完整文字與下列類似" (the full text
          of this error message resembles the following). As kept in windowsserverdocs.zh-tw
          (e.g. the fork tszlong/windowsserverdocs.zh-tw, live branch, commit 6959dd6a5e,
          WindowsServerDocs/get-started/activation-error-codes.md). Copied as published, the
          space the page puts between sentences included.
  [SEC]   "系統錯誤碼" (System Error Codes), learn.microsoft.com/zh-tw/windows/win32/debug/
          system-error-codes--0-499- ... --9000-11999-: the FormatMessage text of each code,
          machine-translated (ms.translationtype: MT); MicrosoftDocs/win32-pr.zh-tw, live branch,
          commit 3865035f26, desktop-src/Debug/. Windows' own message may be worded otherwise
          (10061 is widely reported as "無法連線，因為目標電腦拒絕連線。"): which is one more reason
          the collection decides on codes only.
  [WMI]   "WMI 錯誤常數" (WMI Error Constants), desktop-src/WmiSdk/wmi-error-constants.md of the same
          repository (MT): each code's description. The CIM cmdlets show WMI's own short text
          ("Invalid class " in en-US), whose zh-TW wording is UNCONFIRMED: the lab shows the
          page's description of the code.
  [WINHTTP] "錯誤訊息" (WinHTTP error messages), desktop-src/WinHttp/error-messages.md (MT).
  UNCONFIRMED: no Microsoft zh-TW text found (Windows PowerShell's and .NET Framework's own
          resources are not published as text): a Chinese rendering of the English, marked so.
"""

from __future__ import annotations

import re

from tests.simlab.powershell.runtime import Unsupported

EN_US = "en-US"
ZH_TW = "zh-TW"
LOCALES = (EN_US, ZH_TW)
DEFAULT = EN_US

# The console's OEM code page, as a Python codec (see the module's docstring).
OEM_CODECS = {EN_US: "cp437", ZH_TW: "cp950"}

# Messages as a zh-TW Windows writes them, by the text the lab writes on an en-US one (the key is
# the lab's English, placeholders included; the value keeps the placeholders, by name where the
# Chinese puts them in another order).
ZH_TW_MESSAGES: dict[str, str] = {
    # -- WMI's errors in a CimException (cim.py MESSAGES) ---------------------------------------
    "Not found ": "找不到物件。",  # [WMI] WBEM_E_NOT_FOUND 0x80041002
    "Invalid namespace ": "找不到指定的命名空間。",  # [WMI] WBEM_E_INVALID_NAMESPACE 0x8004100E
    "Invalid class ": "指定的類別無效。",  # [WMI] WBEM_E_INVALID_CLASS 0x80041010
    "Invalid query ": "查詢的語法無效。",  # [WMI] WBEM_E_INVALID_QUERY 0x80041017
    "Invalid method ": "無法使用要求的方法。",  # [WMI] WBEM_E_INVALID_METHOD 0x8004102E
    "Invalid method Parameter(s) ": "為方法提供的參數無效。",  # [WMI] WBEM_E_INVALID_METHOD_PARAMETERS 0x8004102F
    # [AEC] 0x80070005, its first sentence ("拒絕存取。 要求的動作需要提高的權限。")
    "Access denied ": "拒絕存取。",
    "The parameter is incorrect.": "參數錯誤。",  # [SEC] 87 ERROR_INVALID_PARAMETER (E_INVALIDARG 0x80070057)
    # [SEC] 1058 ERROR_SERVICE_DISABLED (0x80070422)
    "The service cannot be started, either because it is disabled or because it has no enabled devices associated "
    "with it.": "無法啟動服務，原因可能是服務已停用，或服務沒有已啟用的裝置與其相關聯。",
    # -- the licensing service's errors (cim.py MESSAGES; docs/licensing-facts.md §6) -----------
    # [AEC] 0xC004F014 (as published, without a full stop)
    "The Software Licensing Service reported that the product key is not available.":
        "軟體保護服務報告指出產品金鑰無法使用",
    # 0xC004F025 SL_E_LUA_ACCESSDENIED: not on [AEC]. UNCONFIRMED.
    "The Software Licensing Service reported that the action requires administrator privilege.":
        "軟體授權服務報告此動作需要系統管理員權限。",
    # [AEC] 0xC004F050
    "The Software Licensing Service determined that the specified product key is invalid.":
        "軟體保護服務報告指出產品金鑰無效。",
    # 0xC004F069 SL_E_MISMATCHED_PRODUCT_SKU: not on [AEC]. UNCONFIRMED.
    "The Software Licensing Service reported that the product SKU is not found.": "軟體授權服務報告找不到產品 SKU。",
    # [AEC] 0xC004F06C
    "The Software Licensing Service reported that the product could not be activated. The Key Management Service "
    "(KMS) determined that the request timestamp is invalid.":
        "軟體保護服務報告指出無法啟用電腦。 金鑰管理服務 (KMS) 判斷出要求時間戳記無效。",
    # [AEC] 0xC004F074
    "The Software Licensing Service reported that the product could not be activated. No Key Management Service "
    "(KMS) could be contacted. Please see the Application Event Log for additional information.":
        "軟體保護服務報告指出無法啟用電腦。 無法聯繫金鑰管理服務 (KMS)。 如需其他資訊，請參閱應用程式事件記錄檔。",
    "DNS name does not exist.": "DNS 名稱不存在。",  # [AEC] 0x8007232B (and [SEC] 9003)
    # [AEC] 0xC004F038
    "The Software Licensing Service reported that the product could not be activated. The count reported by your "
    "Key Management Service (KMS) is insufficient.":
        "軟體保護服務報告指出無法啟用電腦。 您的金鑰管理服務 (KMS) 報告的計數不足。 請連絡您的系統管理員。",
    # [AEC] 0xC004F042
    "The Software Licensing Service determined that the specified Key Management Service (KMS) cannot be used.":
        "軟體保護服務判定無法使用所指定的金鑰管理服務 (KMS)。",
    # [AEC] 0xC004F041
    "The Software Licensing Service determined that the Key Management Service (KMS) is not activated. KMS needs to "
    "be activated. Please contact system administrator.":
        "軟體保護服務判定金鑰管理伺服器 (KMS) 並未啟用。 必須啟用 KMS。",
    # [AEC] 0xC004F039
    "The Software Licensing Service reported that the product could not be activated.  The Key Management Service "
    "(KMS) is not enabled.": "軟體保護服務報告指出無法啟用電腦。 金鑰管理服務 (KMS) 未啟用。",
    # [AEC] 0xC004C008
    "The activation server reported that the product key has exceeded its unlock limit.":
        "啟用伺服器判定無法使用所指定的產品金鑰。",
    # [WINHTTP] 12007 ERROR_WINHTTP_NAME_NOT_RESOLVED (0x80072EE7)
    "The server name or address could not be resolved": "無法解析伺服器名稱。",
    # -- socket, DNS, handle and RPC errors (system messages) -----------------------------------
    # [SEC] 10061 WSAECONNREFUSED (.NET appends the end point)
    "No connection could be made because the target machine actively refused it":
        "無法進行連接，因為目的電腦主動拒絕連線。",
    "An address incompatible with the requested protocol was used": "使用的位址與要求的通訊協定不相容。",  # [SEC] 10047
    "No such host is known": "沒有已知的此類主機。",  # [SEC] 11001 WSAHOST_NOT_FOUND
    "The RPC server is unavailable": "RPC 伺服器無法使用。",  # [AEC] 0x800706BA, [SEC] 1722
    "The handle is invalid.": "控制代碼無效。",  # [SEC] 6 ERROR_INVALID_HANDLE
    # Resolve-DnsName: "<name> : " and [SEC] 9003 (without its full stop, as in English)
    "%s : DNS name does not exist": "%s : DNS 名稱不存在",
    # -- Windows PowerShell's own texts (its resources) and .NET's: UNCONFIRMED -----------------
    'Exception calling "%(method)s" with "%(count)d" argument(s): "%(message)s"':
        '使用 "%(count)d" 個引數呼叫 "%(method)s" 時發生例外狀況: "%(message)s"',
    'Exception setting "%(property)s": "%(message)s"': '設定 "%(property)s" 時發生例外狀況: "%(message)s"',
    "Cannot find any service with service name '%s'.": "找不到任何服務名稱為 '%s' 的服務。",
    "Service '%(display)s (%(name)s)' cannot be started due to the following error: Cannot start service "
    "%(name)s on computer '.'.":
        "由於下列錯誤，無法啟動服務 '%(display)s (%(name)s)': 無法啟動電腦 '.' 上的服務 %(name)s。",
    "Cannot find path '%s' because it does not exist.": "找不到路徑 '%s'，因為它不存在。",
    "No events were found that match the specified selection criteria.": "找不到任何符合指定選取準則的事件。",
    'There is not an event provider on the localhost computer that matches "%s".':
        '本機電腦上沒有符合 "%s" 的事件提供者。',
    "The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program. Check "
    "the spelling of the name, or if a path was included, verify that the path is correct and try again.":
        "無法辨識 '%s' 詞彙是否為 Cmdlet、函數、指令檔或可執行程式的名稱。請檢查名稱拼字是否正確，如果包含路徑的話，"
        "請確認路徑是否正確，然後再試一次。",
    "Exception of type 'System.OutOfMemoryException' was thrown.":
        "已擲回類型 'System.OutOfMemoryException' 的例外狀況。",
}

# The zh-TW names of the client editions in Win32_OperatingSystem.Caption, longest first:
# "Windows 10 專業教育版" and "Windows 10 工作站專業版" (Microsoft's zh-TW "KMS 用戶端安裝識別碼",
# human-translated, 2021: windowsserverdocs.zh-tw WindowsServerDocs/get-started/KMSclientkeys.md,
# which also gives "Windows 10 企業版 LTSC 2019", "Windows 7 專業版", "Windows 8 企業版"), "Windows 10
# 教育版", "Windows 10 專業版", "Windows 10 企業版" (its "Windows Server 2019 Activation" page,
# get-started-19/activation-19.md, MT), "Microsoft Windows 7 企業版" (the Win32_OperatingSystem page).
# Windows 11's captions take the same edition names (UNCONFIRMED for zh-TW: those pages predate it).
# "Home" (家用版) is UNCONFIRMED: not on those pages.
ZH_TW_EDITIONS = (
    ("Pro for Workstations", "工作站專業版"), ("Pro Education", "專業教育版"), ("Professional", "專業版"),
    ("Enterprise", "企業版"), ("Education", "教育版"), ("Home", "家用版"), ("Pro", "專業版"),
)
_CLIENT_CAPTION = re.compile(r"^(?P<windows>Microsoft Windows (?:\d+(?:\.\d+)?|Vista)) (?P<edition>%s)"
                             r"(?P<rest>(?: N)?(?: LTS[BC](?: \d{4})?)?)$"
                             % "|".join(re.escape(english) for english, _chinese in ZH_TW_EDITIONS))
# OSArchitecture: "64-bit" is "64 位元" on a zh-TW Windows. UNCONFIRMED: the zh-TW
# Win32_OperatingSystem page (MT) renders its example "32-bit" as "32位"; "位元" is Taiwan's word for
# a bit, the one the source document writes ("4 GB RAM (64 位元)").
ZH_TW_ARCHITECTURES = {"64-bit": "64 位元", "32-bit": "32 位元"}


def check(locale: str) -> str:
    if locale not in LOCALES:
        raise ValueError("locale must be one of %s, not %r" % (", ".join(LOCALES), locale))
    return locale


def text(locale: str, message: str) -> str:
    """``message`` (the lab's en-US text, placeholders unfilled) as a Windows in ``locale``
    writes it. A message the lab has no zh-TW text for is not emulated on a zh-TW host: the
    script that met it fails, never with a plausible English text."""
    if check(locale) == EN_US:
        return message
    found = ZH_TW_MESSAGES.get(message)
    if found is None:
        raise Unsupported("the %s text of the message %r" % (locale, message))
    return found


def caption(locale: str, english: str) -> str | None:
    """Win32_OperatingSystem.Caption on a Windows in ``locale``, from the scenario's (en-US)
    caption; None when the lab knows no name for that edition in that language. A Windows
    Server caption stays as it is; so does one the scenario gives in another script already."""
    if check(locale) == EN_US or not english.isascii() or "Server" in english:
        return english
    match = _CLIENT_CAPTION.match(english)
    if match is None:
        return None
    edition = dict(ZH_TW_EDITIONS)[match.group("edition")]
    return "%s %s%s" % (match.group("windows"), edition, match.group("rest"))


def architecture(locale: str, english: str) -> str:
    """Win32_OperatingSystem.OSArchitecture on a Windows in ``locale``."""
    if check(locale) == EN_US:
        return english
    return ZH_TW_ARCHITECTURES.get(english, english)


def oem_codec(locale: str) -> str:
    """The Python codec of the console's OEM code page on a Windows in ``locale``."""
    return OEM_CODECS[check(locale)]
