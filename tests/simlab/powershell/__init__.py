"""Windows PowerShell, emulated: the lab runs the scripts it is sent as text.

No PowerShell engine can be installed on the machines the tests run on, so the lab carries
its own: a script is parsed with the tree-sitter PowerShell grammar (the one the grammar
test uses) and compiled once per distinct text into Python closures (compiler.py), which run
against one simulated host (session.run_script). Everything a script reaches on the host goes
through the cmdlets (commands.py) and .NET types (dotnet.py) this package implements, bound
to the host model of tests/simlab (host.WindowsHost is the "machine").

What it covers: the language our scripts use, with PowerShell's documented semantics (each
rule cites its about_* page; tests/unit/powershell_conformance.yml holds the cases, checked
by tests/unit/test_powershell_conformance.py): scopes and functions, param blocks and
parameter binding (named, partial names, positional, -Name:value, [switch]), output
semantics (uncaptured output, return, enumeration of collections, AutomationNull),
$ErrorActionPreference and -ErrorAction with terminating, statement-terminating and
non-terminating errors, try/catch/finally (catch by type), throw, if/elseif/else, foreach,
for, while, switch (-Regex, -Wildcard, -Exact, -CaseSensitive, break/continue), arrays and
@(), hashtables and [ordered], PSCustomObject, expandable strings, the comparison operators
(filters on arrays, -match and $Matches, -like, -contains, -in, -replace, -split), -as, -is,
-band/-bor/-bxor, -f (standard numeric formats), -join, .., ++/--, casts, static members,
member enumeration, intrinsic .PSObject and .psbase. The host's PowerShell version (2.0,
3.0, 4.0, 5.1) decides what exists: cmdlets of 3.0 (CIM, JSON) are missing on 2.0, member
enumeration and scalar .Count are 3.0's, Exception.HResult is public from .NET 4.5 (4.0+).

Cmdlets: ForEach-Object, Where-Object, Sort-Object, Out-String, Write-Output, Write-Error,
Write-Host, New-Object, Get-Command, ConvertFrom-Json, ConvertTo-Json (Windows PowerShell
5.1's JavaScriptSerializer behaviour), Get-CimInstance, Get-CimClass (properties, methods and
their parameters with ID and In qualifiers), Invoke-CimMethod (with the client-side checks of
PowerShell's CimCmdlets source), Get-Service, Test-Path / Get-Item / Get-ChildItem on HKLM:,
Get-WinEvent -FilterHashtable, Resolve-DnsName and Get-DnsClientGlobalSetting (DnsClient,
Windows 8 and later). Each cmdlet invocation is recorded as module logging records it (event
4103: parameter bindings and pipeline input, machine.log_pipeline_execution).
.NET: Convert, Text.Encoding, DateTime, Console, ScriptBlock, Net.Dns, Net.Sockets.TcpClient
(per address family, BeginConnect / WaitOne / EndConnect), IPGlobalProperties,
NetworkInterface (DNS suffix per connection), Reflection.Assembly.LoadWithPartialName,
JavaScriptSerializer (System.Web.Extensions, once loaded), Regex.Replace with a script block
as its MatchEvaluator (UTF-16 code units), Diagnostics.Stopwatch (StartNew, Stop, IsRunning,
ElapsedMilliseconds, on a real monotonic clock), String and Hashtable methods, and the exceptions
with the types, messages, HResults and properties
Windows gives (SocketException.ErrorCode, Win32Exception.NativeErrorCode, CimException with
ErrorData.error_Code and MessageId, MethodInvocationException around a method's exception).

What it refuses: anything else. A node kind, operator, cmdlet, parameter, type, member or
format the emulation does not implement raises Unsupported (runtime.Unsupported), naming the
construct and the line; the lab answers that command with an error and records it in the
host's ``emulation_errors``. It never evaluates to something plausible: text the grammar
cannot parse is refused too (the grammar is not PowerShell's parser, so valid PowerShell it
cannot read must not look like a syntax error).

The machine a script runs on provides (host.WindowsHost): computer_name, powershell_version,
clr_version, language_version(), environment(), now(), log_script_block(text) (event 4104),
log_pipeline_execution(lines) (event 4103), console_encoding_settable, oem_codec (the console's
OEM code page), text(message) (a message of Windows' in the machine's display language,
tests/simlab/locales.py), primary_dns_suffix,
has_dns_client, dns_search_list, connection_suffixes, resolve(name), connect(address, port, timeout),
srv_records(name), services(), registry_key(path), event_providers(), events(logs,
providers, ids), and the WMI side: CimError, exec_query(wql), enumerate_instances(class,
condition), method_parameters(class, method), get_class(class), exec_method(class, instance,
method, values).
"""
