# kms_executor.ps1: runs one program of host operations for volume_licensing.kms and prints
# ONE JSON document with one result per operation (docs/host-operations.md).
#
# It holds no project logic: which classes to read, which methods to call and in what order
# is decided by the controller (plugins/module_utils/*.py). It only checks that the program
# asks for allowed things, runs each operation as a thin wrapper over one Windows facility,
# and reports what Windows answered.
#
# The program arrives as data: kms_bootstrap.ps1 passes it as this script block's argument
# (base64 of UTF-8 JSON), never as script text, so no option value ever reaches the script
# block log (event 4104). Neither the bootstrap nor this script hands the program, or any
# part of it that may hold a product key, to a cmdlet, so none reaches module logging (event
# 4103, which records each cmdlet's parameters and pipeline input): it is read from standard
# input with foreach, parsed with .NET, and its operations are walked with foreach.
#
# PowerShell 3.0 to 5.1 (CIM cmdlets, ConvertTo-Json, .NET 4's JavaScriptSerializer); works the same over
# winrm, psrp and ssh: the controller decides on the JSON, never on the exit code.
# Licensing facts are cited by their section in docs/licensing-facts.md.
param([string]$Program)

$ErrorActionPreference = 'Stop'
# Progress records would otherwise reach the controller as CLIXML on stderr.
$ProgressPreference = 'SilentlyContinue'
# Throws under some hosts (psrp); the JSON is ASCII either way (non-ASCII is escaped at the end),
# so the error is dropped.
try { [Console]::OutputEncoding = New-Object Text.UTF8Encoding $false } catch { $null = $_ }

# What a program may touch. Licensing classes (docs/licensing-facts.md §1.1) and basic Win32 classes
# may be read; methods may be called on the licensing classes, and on the Windows Firewall's rule
# class (Enable/Disable of a KMS host's rule, docs/licensing-facts.md §12.6).
$LicensingClasses = @('SoftwareLicensingProduct', 'SoftwareLicensingService',
    'OfficeSoftwareProtectionProduct', 'OfficeSoftwareProtectionService')
$FirewallClasses = @('MSFT_NetFirewallRule')
$QueryClasses = $LicensingClasses + $FirewallClasses + @('Win32_OperatingSystem', 'Win32_ComputerSystem',
    'Win32_Processor', 'Win32_PhysicalMemory', 'Win32_LogicalDisk', 'Win32_Service')
$MethodClasses = $LicensingClasses + $FirewallClasses
# The CIM namespaces, the first the default: the licensing and Win32 classes are in root/cimv2
# (docs/licensing-facts.md §1.1), the firewall classes in root/StandardCimv2 (§12.6), and only there.
$Namespaces = @('root/cimv2', 'root/StandardCimv2')
# Office installations (Click-to-Run configuration, MSI uninstall entries) and the licensing
# services' own keys (docs/licensing-facts.md §1.5, §1.6), with the per-product KMS settings of
# Windows and Office under their Application IDs (docs/licensing-facts.md §1.5:
# ...\SoftwareProtectionPlatform\APPID\SKUID).
$RegistryKeys = @('HKLM:\SOFTWARE\Microsoft\Office\ClickToRun\Configuration',
    'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall',
    'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall',
    'HKLM:\SOFTWARE\Microsoft\OfficeSoftwareProtectionPlatform',
    'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform',
    'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform\55c92734-d682-4d71-983e-d6ec3f16059f',
    'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform\0ff1ce15-a989-479d-af46-f275c6370663')
# The one registry value a program may write, with its key and kind: the DNS domains a KMS host
# publishes its SRV record in besides its own, which no WMI member sets (docs/licensing-facts.md
# §12.2, TN-REG: REG_MULTI_SZ under SoftwareProtectionPlatform).
$WritableValues = @{ 'DnsDomainPublishList' = @('HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform', 'MultiString') }
$ArgumentTypes = @('string', 'uint32', 'boolean')
# The licensing services a query may be made conditional on (if_service).
$Services = @('sppsvc', 'osppsvc')
# Licensing event providers of the Application log (docs/licensing-facts.md §10.2): the Windows SPP
# (Windows 7 and later; Vista's was Microsoft-Windows-Security-Licensing-SLC), and osppsvc's event
# source (UNCONFIRMED: third-party sources only).
$EventProviders = @('Microsoft-Windows-Security-SPP', 'Office Software Protection Platform Service')
# The logs, the first the default: the Application log, read by one of those providers; a KMS
# host's own log of the requests it processed (event 12290), read by log name and event ID
# only, its provider being UNCONFIRMED (docs/licensing-facts.md §12.8).
$EventLogs = @('Application', 'Key Management Service')
# The services a program may restart: the Software Protection service, after which a KMS host's
# settings take effect (docs/licensing-facts.md §12.2).
$RestartServices = @('sppsvc')
# The SRV name KMS hosts publish (docs/licensing-facts.md §7.1).
$SrvNames = @('_vlmcs._tcp')
# \z, not $: in .NET, $ also matches before a final newline.
$Identifier = '^[A-Za-z_][A-Za-z0-9_]*\z'

# Why the program cannot run, or $null. Checked before any operation runs.
function Test-Program($Operations) {
    $seen = @()
    foreach ($op in $Operations) {
        $seen += [string]$op.id
        $names = @()
        switch ([string]$op.op) {
            'host_facts' { }
            'cim_query' {
                if ($QueryClasses -notcontains $op.class) { return "class $($op.class) may not be read" }
                if (-not (Get-Namespace $op)) { return "class $($op.class) is not read in namespace $($op.namespace)" }
                $names = @($op.properties)
                if (-not $names.Count) { return "cim_query $($op.id) names no property" }
                if ($op.if_service -and $Services -notcontains $op.if_service) { return "service $($op.if_service) may not be asked for" }
                foreach ($p in @($op.optional_properties)) {
                    if ($null -ne $p -and $names -notcontains $p) { return "optional property $p is not among the properties" }
                }
            }
            'cim_invoke' {
                if ($MethodClasses -notcontains $op.class) { return "methods of $($op.class) may not be called" }
                if (-not (Get-Namespace $op)) { return "class $($op.class) is not called in namespace $($op.namespace)" }
                $names = @($op.method) + @(foreach ($a in $op.arguments) { $a.name })
                foreach ($a in $op.arguments) {
                    if ($ArgumentTypes -notcontains $a.type) { return "argument type $($a.type) is not supported" }
                }
            }
            'registry_read' {
                if ($RegistryKeys -notcontains $op.key) { return "registry key $($op.key) may not be read" }
                $names = @($op.values)
            }
            'registry_write' {
                $target = $WritableValues[[string]$op.name]
                if (-not $target -or $target[0] -ne $op.key) { return "registry value $($op.name) of $($op.key) may not be written" }
                foreach ($s in $op.data) { if ($s -isnot [string]) { return "registry data $s is not a string" } }
            }
            'tcp_connect' {
                $port = $op.port -as [int]
                if (-not ($port -ge 1 -and $port -le 65535)) { return "port $($op.port) is not a TCP port" }
            }
            'event_log' {
                $log = Get-LogName $op
                if ($EventLogs -notcontains $log) { return "the $log log may not be read" }
                # A provider of the Application log, and none for the KMS host's own log.
                if (($log -eq $EventLogs[0]) -ne ($EventProviders -contains $op.provider)) {
                    return "events of $($op.provider) may not be read from the $log log"
                }
                $newest = $op.newest -as [int]
                if (-not ($newest -ge 1 -and $newest -le 100)) { return "newest $($op.newest) is not from 1 to 100" }
                foreach ($i in @($op.ids)) { if ($null -eq ($i -as [int])) { return "event ID $i is not a number" } }
            }
            'service_restart' {
                if ($RestartServices -notcontains $op.name) { return "service $($op.name) may not be restarted" }
            }
            'dns_srv' {
                if ($SrvNames -notcontains $op.name) { return "SRV name $($op.name) may not be looked up" }
                if ($op.domain -and [string]$op.domain -notmatch '^[A-Za-z0-9][A-Za-z0-9.-]*\z') { return "$($op.domain) is not a DNS domain" }
                foreach ($from in $op.domain_from) {
                    if ($seen -notcontains [string]$from.id) { return "domain_from $($from.id) is not an earlier operation" }
                    $names += @($from.property)
                }
            }
            default { return "unknown operation kind $($op.op)" }
        }
        foreach ($n in $names) {
            if ([string]$n -notmatch $Identifier) { return "$n is not a plain name" }
        }
    }
    return $null
}

# The namespace of a cim_query or cim_invoke: its own, else the default; $null when that is not
# the namespace of its class (the firewall classes in root/StandardCimv2, every other in the default).
function Get-Namespace($Op) {
    $ns = $Namespaces[0]
    if ($Op.namespace) { $ns = [string]$Op.namespace }
    if ($Namespaces -notcontains $ns -or ($FirewallClasses -contains $Op.class) -ne ($ns -eq $Namespaces[1])) { return $null }
    return $ns
}

# The log of an event_log operation: its own, else the default (the Application log).
function Get-LogName($Op) {
    if ($Op.log) { return [string]$Op.log }
    return $EventLogs[0]
}

# Fails the current operation with an HRESULT the executor chose (as text, 0x + 8 digits).
function Stop-Operation([string]$HResult, [string]$Message) {
    $e = New-Object Management.Automation.RuntimeException $Message
    $e.Data['hresult'] = $HResult
    throw $e
}

# 0x + 8 hex digits, or $null when there is no code: a missing code is a failure, never 0.
# 4294967295 (not 0xFFFFFFFF, which PowerShell reads as the Int32 -1) keeps the low 32 bits.
function Format-HResult($Code) {
    if ($null -eq $Code -or [int64]$Code -eq 0) { return $null }
    return '0x{0:X8}' -f ([int64]$Code -band 4294967295)
}

# The HRESULT of a failed operation, taken here and nowhere else (docs/licensing-facts.md §10.1, §9
# item 8): the executor's own code; else the CIM error's ErrorData.error_Code (MSFT_WmiError); else
# "HRESULT 0x..." in the CimException's MessageId; else, for errors that are not CIM errors,
# the innermost exception's HResult (public from .NET 4.5; a CimException never sets it).
function Get-HResult($ErrorRecord) {
    $ex = $ErrorRecord.Exception
    if ($ex.Data.Contains('hresult')) { return $ex.Data['hresult'] }
    if ($ex.PSObject.Properties['ErrorData'] -and $ex.ErrorData) {
        $code = $ex.ErrorData.CimInstanceProperties['error_Code']
        if ($code -and $null -ne $code.Value -and [int64]$code.Value -ne 0) { return Format-HResult $code.Value }
    }
    if ($ex.PSObject.Properties['MessageId'] -and "$($ex.MessageId)" -match 'HRESULT 0x([0-9A-Fa-f]{8})') {
        return '0x' + $Matches[1].ToUpper()
    }
    while ($ex.InnerException) { $ex = $ex.InnerException }
    if ($ex.GetType().FullName -ne 'Microsoft.Management.Infrastructure.CimException' -and $ex.PSObject.Properties['HResult']) {
        return Format-HResult $ex.HResult
    }
    return $null
}

function Get-HostFact {
    @{
        computer_name = $env:COMPUTERNAME
        utc_now = [DateTime]::UtcNow.ToString('s') + 'Z'
        powershell_version = $PSVersionTable.PSVersion.ToString()
    }
}

# SELECT <properties> FROM <class> [WHERE <where>]: only the properties asked for.
function Format-Wql($Op, $Properties) {
    $wql = 'SELECT ' + (@($Properties) -join ', ') + ' FROM ' + $Op.class
    if ($Op.where) { $wql += ' WHERE ' + $Op.where }
    return $wql
}

# if_service: only where that service is installed (Get-Service finds it, in any state);
# elsewhere the class is reported absent without a query. optional: a class that is not
# registered (0x80041010 WBEM_E_INVALID_CLASS) is absent, unless the if_service service is
# installed: then its classes should be there, and the error stands (a broken registration,
# which ospp.vbs /regmof repairs for osppsvc, docs/licensing-facts.md §1.6). optional_properties:
# when the query is refused as invalid (0x80041017 WBEM_E_INVALID_QUERY), the class definition says
# which of them this Windows version's class lacks; only those are dropped, and the query
# runs once more without them.
function Invoke-Query($Op) {
    $installed = $false
    if ($Op.if_service) {
        if (-not (Get-Service -Name $Op.if_service -ErrorAction SilentlyContinue)) {
            return @{ absent = $true; instances = @() }
        }
        $installed = $true
    }
    $ns = Get-Namespace $Op
    $properties = @($Op.properties)
    $dropped = @()
    try {
        $found = @(Get-CimInstance -Namespace $ns -Query (Format-Wql $Op $properties))
    }
    catch {
        $code = Get-HResult $_
        if ($code -eq '0x80041010' -and $Op.optional) {
            if (-not $installed) { return @{ absent = $true; instances = @() } }
            Stop-Operation $code "The service $($Op.if_service) is installed, but its WMI class $($Op.class) is not registered."
        }
        if (-not ($Op.optional_properties -and $code -eq '0x80041017')) { throw }
        $declared = @((Get-CimClass -Namespace $ns -ClassName $Op.class).CimClassProperties | ForEach-Object { $_.Name })
        $dropped = @($Op.optional_properties | Where-Object { $declared -notcontains $_ })
        if (-not $dropped.Count) { throw }
        $properties = @($properties | Where-Object { $dropped -notcontains $_ })
        $found = @(Get-CimInstance -Namespace $ns -Query (Format-Wql $Op $properties))
    }
    $rows = @(foreach ($instance in $found) {
            $row = @{}
            foreach ($p in $properties) { $row[$p] = $instance.$p }
            $row
        })
    $result = @{ instances = $rows }
    if ($dropped.Count) { $result.dropped = $dropped }
    return $result
}

# The names of a method's [in] parameters, in their declared order (each parameter's ID
# qualifier is its position), from the class definition on this host, read once per class;
# $null when the class does not declare the method. ospp.vbs passes arguments by position,
# and the osppsvc classes' parameter names are not documented (docs/licensing-facts.md §1.6).
$ClassDefinitions = @{}
function Get-InParameter($Namespace, $Class, $Method) {
    if (-not $ClassDefinitions.ContainsKey($Class)) { $ClassDefinitions[$Class] = Get-CimClass -Namespace $Namespace -ClassName $Class }
    $declared = $ClassDefinitions[$Class].CimClassMethods[$Method]
    if (-not $declared) { return $null }
    $byPosition = @{}
    foreach ($p in $declared.Parameters) {
        if ($p.Qualifiers['In'] -and $p.Qualifiers['ID']) { $byPosition[[int]$p.Qualifiers['ID'].Value] = $p.Name }
    }
    $names = @(foreach ($id in @($byPosition.Keys | Sort-Object)) { $byPosition[$id] })
    return , $names
}

# One method call on one instance: the one $Op.where selects, or the first instance of a
# service class, as slmgr.vbs and ospp.vbs take it (docs/licensing-facts.md §1.2). The program's
# arguments are given to the method's [in] parameters by position, as ospp.vbs gives them, under the
# names this host's class declares; the program's own names serve where the class does not
# declare the method (WMI then answers for it).
function Invoke-Method($Op) {
    $ns = Get-Namespace $Op
    if ($Op.where) {
        $targets = @(Get-CimInstance -Namespace $ns -ClassName $Op.class -Filter $Op.where)
    }
    else {
        $targets = @(Get-CimInstance -Namespace $ns -ClassName $Op.class)
    }
    if ($targets.Count -eq 0) { Stop-Operation '0x80041002' "No instance of $($Op.class) matches $($Op.where)." }
    if ($Op.where -and $targets.Count -gt 1) { Stop-Operation '0x80070057' "$($targets.Count) instances of $($Op.class) match $($Op.where); expected one." }
    $given = @($Op.arguments)
    $arguments = @{}
    if ($given.Count) {
        $names = Get-InParameter -Namespace $ns -Class $Op.class -Method $Op.method
        if ($null -eq $names) { $names = @(foreach ($a in $given) { $a.name }) }
        if ($names.Count -ne $given.Count) {
            Stop-Operation '0x80041008' "$($Op.class).$($Op.method) takes $($names.Count) arguments on this host; the program gives $($given.Count)."
        }
        for ($i = 0; $i -lt $given.Count; $i++) {
            # Typed as the method declares them, e.g. PortNumber is uint32 (docs/licensing-facts.md §1.4, §4.4).
            switch ($given[$i].type) {
                'string' { $arguments[$names[$i]] = [string]$given[$i].value }
                'uint32' { $arguments[$names[$i]] = [uint32]$given[$i].value }
                'boolean' { $arguments[$names[$i]] = [bool]$given[$i].value }
            }
        }
    }
    $out = Invoke-CimMethod -InputObject $targets[0] -MethodName $Op.method -Arguments $arguments
    $code = Format-HResult $out.ReturnValue
    if ($code) { Stop-Operation $code "$($Op.method) returned $code." }
    return @{ return_value = 0 }
}

function Read-Value($Key, $Names) {
    $values = @{}
    foreach ($n in $Names) { $values[$n] = $Key.GetValue($n) }
    return $values
}

function Read-Registry($Op) {
    if (-not (Test-Path -LiteralPath $Op.key)) { return @{ exists = $false; values = @{}; subkeys = @() } }
    $data = @{ exists = $true; values = (Read-Value (Get-Item -LiteralPath $Op.key) $Op.values); subkeys = @() }
    if ($Op.subkeys) {
        $data.subkeys = @(Get-ChildItem -LiteralPath $Op.key | Where-Object { $_.PSChildName -match $Op.subkeys } |
                ForEach-Object { @{ name = $_.PSChildName; values = (Read-Value $_ $Op.values) } })
    }
    return $data
}

# Writes one value of $WritableValues as data (a list of strings), or with remove deletes it where it
# is set; then reads it back as registry_read does. Set-ItemProperty creates or changes a registry
# value, its -Type (the registry provider's parameter) giving the kind: MultiString is REG_MULTI_SZ
# (Set-ItemProperty and New-ItemProperty pages). Remove-ItemProperty deletes a value (its page).
function Write-Registry($Op) {
    $name = [string]$Op.name
    $target = $WritableValues[$name]
    $key = $target[0]
    if ($Op.remove) {
        if ($null -ne (Get-Item -LiteralPath $key).GetValue($name)) { Remove-ItemProperty -LiteralPath $key -Name $name }
    }
    else {
        Set-ItemProperty -LiteralPath $key -Name $name -Value ([string[]]@($Op.data)) -Type $target[1]
    }
    return @{ values = (Read-Value (Get-Item -LiteralPath $key) @($name)) }
}

# The innermost exception's message into $Data.error and, for a socket error, its
# HRESULT_FROM_WIN32 code into $Data.hresult (2147942400 is 0x80070000).
function Set-SocketError($Data, $ErrorRecord) {
    $e = $ErrorRecord.Exception
    while ($e.InnerException) { $e = $e.InnerException }
    if ($e -is [Net.Sockets.SocketException]) { $Data.hresult = Format-HResult (2147942400 + $e.ErrorCode) }
    $Data.error = $e.Message
}

# Resolve, then (unless connect is false) connect to each address in turn with a socket of
# that address's family: .NET Framework's parameterless TcpClient is IPv4-only
# (docs/licensing-facts.md §9 item 7). A plain connect and close: nothing of the KMS protocol is
# sent. "connected" is the address that accepted; "failures" the addresses that did not, each with
# its error; error and hresult are the last failure's, only when no address accepted.
function Test-Tcp($Op) {
    $data = @{ reachable = $false; addresses = @(); connected = $null; failures = @(); error = $null; hresult = $null }
    try {
        $addresses = @([Net.Dns]::GetHostAddresses([string]$Op.host))
    }
    catch {
        Set-SocketError $data $_
        return $data
    }
    $data.addresses = @($addresses | ForEach-Object { @{ address = $_.ToString(); family = $_.AddressFamily.ToString() } })
    # connect = false: the name resolves; nothing is sent to it.
    if ($Op.connect -eq $false) {
        $data.resolved_only = $true
        return $data
    }
    foreach ($address in $addresses) {
        $failure = @{ address = $address.ToString(); error = $null; hresult = $null }
        $tcp = $null
        try {
            # Inside the try: a family this host has no stack for fails here.
            $tcp = New-Object Net.Sockets.TcpClient($address.AddressFamily)
            $ar = $tcp.BeginConnect($address, [int]$Op.port, $null, $null)
            if ($ar.AsyncWaitHandle.WaitOne([int]$Op.timeout_ms)) {
                $tcp.EndConnect($ar)
                $data.reachable = $true
                $data.connected = $address.ToString()
                break
            }
            $failure.error = 'A connection attempt failed because the connected party did not properly respond after a period of time.'
            $failure.hresult = '0x8007274C'  # WSAETIMEDOUT
        }
        catch {
            Set-SocketError $failure $_
        }
        finally {
            if ($tcp) { $tcp.Close() }
        }
        $data.failures += $failure
    }
    if (-not $data.reachable -and $data.failures.Count) {
        $data.error = $failure.error
        $data.hresult = $failure.hresult
    }
    return $data
}

# The newest events of one log with these IDs, newest first, with their insertion strings as text,
# in order: in the Application log one licensing provider's (docs/licensing-facts.md §10.2: 12288 the
# KMS request, 12289 the KMS host's answer), in a KMS host's own log every provider's (§12.8: 12290
# a request it processed). What the strings mean is the controller's business.
function Read-Event($Op) {
    $filter = @{ LogName = (Get-LogName $Op); Id = [int[]]@($Op.ids) }
    if ($Op.provider) { $filter.ProviderName = [string]$Op.provider }
    try {
        $found = @(Get-WinEvent -FilterHashtable $filter -MaxEvents ([int]$Op.newest) -ErrorAction Stop)
    }
    catch {
        # Get-WinEvent fails when nothing matches, when the provider is not registered here (no
        # osppsvc), or when the log does not exist here (PowerShell's GetEventCommand.cs): each
        # means there are no such events.
        if ($_.FullyQualifiedErrorId -match '^(NoMatchingEventsFound|NoMatchingProvidersFound|NoMatchingLogsFound)') {
            return @{ events = @() }
        }
        throw
    }
    $events = @(foreach ($e in $found) {
            @{ id = $e.Id; record_id = $e.RecordId; provider = $e.ProviderName
                time_created = $e.TimeCreated.ToUniversalTime().ToString('s') + 'Z'
                data = @($e.Properties | ForEach-Object { [string]$_.Value })
            }
        })
    return @{ events = $events }
}

# Restarts a service of $RestartServices (Restart-Service stops it, then starts it) and reports its
# state afterwards as Get-Service sees it ('Running' when it came back).
function Restart-NamedService($Op) {
    $name = [string]$Op.name
    Restart-Service -Name $name
    return @{ name = $name; status = [string](Get-Service -Name $name).Status }
}

# The DNS domains a KMS client looks its host up in, in order (docs/licensing-facts.md §11.3;
# Microsoft's "Common troubleshooting procedures for KMS and DNS issues" and the slmgr options
# page): a lookup domain (slmgr /skms-domain) replaces all others; else the resolver's suffixes: a
# configured DNS suffix search list replaces the rest, else the primary DNS suffix, then each
# connection's own suffix. $Op.domain names one domain; $Op.domain_from takes the lookup
# domain from the first of the properties earlier queries of this program read that is set.
function Get-SrvDomain($Op) {
    if ($Op.domain) { return , @([string]$Op.domain) }
    foreach ($from in $Op.domain_from) {
        $read = $Done[[string]$from.id]
        if ($read -and $read.status -eq 'ok') {
            foreach ($row in @($read.data.instances)) {
                $set = [string]$row[[string]$from.property]
                if ($set) { return , @($set) }
            }
        }
    }
    $list = @(@((Get-DnsClientGlobalSetting).SuffixSearchList) | Where-Object { $_ })
    if ($list.Count) { return , $list }
    $domains = @()
    $primary = [Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties().DomainName
    if ($primary) { $domains += $primary }
    foreach ($nic in [Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces()) {
        $suffix = $nic.GetIPProperties().DnsSuffix
        if ($suffix -and $domains -notcontains $suffix) { $domains += $suffix }
    }
    return , $domains
}

# The SRV records of $Op.name in the first of those domains that has any, through the host's
# own resolver, as a KMS client finds its host (docs/licensing-facts.md §7.1, §10.3). "query" is the
# name that answered (or the last one asked), "tried" the names asked before without an answer.
# Resolve-DnsName is in the DnsClient module (Windows 8 / Server 2012 and later): without it
# the answer is unknown (available = $false), never "no record". With timeout_ms each target
# is tested as tcp_connect does.
function Resolve-Srv($Op) {
    $data = @{ available = $true; query = [string]$Op.name; tried = @(); records = @(); hresult = $null; error = $null }
    if (-not (Get-Command Resolve-DnsName -ErrorAction SilentlyContinue)) {
        $data.available = $false
        return $data
    }
    $domains = Get-SrvDomain $Op
    if (-not $domains.Count) {
        # Nowhere to look: what a KMS client reports when DNS gives it no KMS host
        # (docs/licensing-facts.md §10.3).
        $data.hresult = '0x8007232B'
        $data.error = 'The host has no DNS domain to look in (no primary DNS suffix, suffix search list or connection suffix).'
        return $data
    }
    foreach ($domain in $domains) {
        if ($data.query -ne [string]$Op.name) { $data.tried += @{ query = $data.query; hresult = $data.hresult; error = $data.error } }
        $data.query = [string]$Op.name + '.' + ([string]$domain).TrimEnd('.')
        $data.hresult = $null
        $data.error = $null
        try {
            $answers = @(Resolve-DnsName -Name $data.query -Type SRV -DnsOnly -ErrorAction Stop)
        }
        catch {
            # DNS_ERROR_RCODE_NAME_ERROR (9003) is 0x8007232B, what a KMS client reports when no
            # KMS host is published (docs/licensing-facts.md §10.3); the Win32 code is the
            # exception's NativeErrorCode.
            $code = $_.Exception.NativeErrorCode
            if ($null -eq $code -and $_.FullyQualifiedErrorId -match '^DNS_ERROR_RCODE_NAME_ERROR') { $code = 9003 }
            if ($null -ne $code) { $data.hresult = Format-HResult (2147942400 + $code) }
            $data.error = $_.Exception.Message
            continue
        }
        # SRV answers carry NameTarget and Port; the additional section's address records do not
        # (nor does the SOA record of an answer without SRV records). Lowest priority first
        # (clients pick among them at random, docs/licensing-facts.md §7.1).
        $srv = @($answers | Where-Object { $_.NameTarget -and $_.Port } | Sort-Object Priority)
        foreach ($a in $srv) {
            $record = @{ target = [string]$a.NameTarget; port = [int]$a.Port; priority = [int]$a.Priority; weight = [int]$a.Weight }
            if ($Op.timeout_ms) { $record.reach = Test-Tcp @{ host = $record.target; port = $record.port; timeout_ms = $Op.timeout_ms } }
            $data.records += $record
        }
        if ($data.records.Count) { break }
    }
    return $data
}

try {
    # Parsed with .NET, not ConvertFrom-Json: module logging (event 4103) records what each
    # cmdlet is given, and a product key must never be given to a cmdlet. JavaScriptSerializer
    # is what ConvertFrom-Json uses in Windows PowerShell; loading it by name is not a cmdlet
    # (Add-Type would be logged). Objects become dictionaries, read with dot notation.
    [void][Reflection.Assembly]::LoadWithPartialName('System.Web.Extensions')
    $json = New-Object Web.Script.Serialization.JavaScriptSerializer
    $json.MaxJsonLength = [int]::MaxValue
    $P = $json.DeserializeObject([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Program)))
    $operations = @($P.operations)
    $problem = Test-Program $operations
    if ($problem) {
        $doc = @{ executor = 1; error = "program refused: $problem" }
    }
    else {
        $results = @()
        $Done = @{}  # each operation's result by id, for a later operation's domain_from
        $failedGroups = @{}
        $stopped = $false
        foreach ($op in $operations) {
            $r = @{ id = $op.id; op = $op.op; status = 'ok' }
            if ($stopped -or ($op.group -and $failedGroups.ContainsKey([string]$op.group))) {
                $r.status = 'skipped'
                $results += $r
                continue
            }
            # How long the operation takes here, in whole milliseconds ("ms"), for the
            # controller's -vvv trace: Stopwatch (.NET Framework 2.0 and later) reads the
            # performance counter, not the wall clock; StartNew starts one at zero and
            # ElapsedMilliseconds is an Int64 (learn.microsoft.com/dotnet/api/
            # system.diagnostics.stopwatch). Not a cmdlet: module logging records nothing of it.
            $clock = [Diagnostics.Stopwatch]::StartNew()
            try {
                switch ($op.op) {
                    'host_facts' { $r.data = Get-HostFact }
                    'cim_query' { $r.data = Invoke-Query $op }
                    'cim_invoke' { $r.data = Invoke-Method $op }
                    'registry_read' { $r.data = Read-Registry $op }
                    'registry_write' { $r.data = Write-Registry $op }
                    'event_log' { $r.data = Read-Event $op }
                    'dns_srv' { $r.data = Resolve-Srv $op }
                    'service_restart' { $r.data = Restart-NamedService $op }
                    'tcp_connect' {
                        $r.data = Test-Tcp $op
                        if ($op.require -and -not $r.data.reachable) {
                            Stop-Operation $r.data.hresult "Cannot connect to $($op.host):$($op.port): $($r.data.error)"
                        }
                    }
                }
            }
            catch {
                $r.status = 'error'
                $r.hresult = Get-HResult $_
                $r.message = $_.Exception.Message
                if ($op.group) { $failedGroups[[string]$op.group] = $true }
                if ($op.on_error -eq 'stop') { $stopped = $true }
            }
            $r.ms = $clock.ElapsedMilliseconds
            $results += $r
            $Done[[string]$op.id] = $r
        }
        $doc = @{ executor = 1; results = $results }
    }
}
catch {
    $doc = @{ executor = 1; error = $_.Exception.Message }
}
# Windows PowerShell's ConvertTo-Json leaves non-ASCII characters as they are: each is
# written as \uXXXX (one per UTF-16 code unit, as JSON does), so that localised captions and
# messages arrive intact whatever the console's code page and whether or not the UTF-8
# output encoding above took effect.
$text = $doc | ConvertTo-Json -Depth 8 -Compress
[regex]::Replace($text, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
