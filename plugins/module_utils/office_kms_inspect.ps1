# office_kms_inspect.ps1: the read-only "inspect" step of volume_licensing.kms.
#
# Reads the licensing products, host facts and Office installations, optionally tests a
# TCP connection from this host to the KMS host, and prints ONE JSON document of raw
# values. It changes nothing on the host; the controller (Python) interprets the values.
#
# Parameters arrive as data: the controller sends `$ParamsB64 = '<base64 of UTF-8 JSON>'`
# as the first line (on standard input), followed by this file as shipped. Keys:
# include_windows (bool), kms_host (string or null), kms_port (int), connect_timeout_ms (int).
#
# "facts §N" refers to shared/reference/windows-licensing-facts.md.
# Needs PowerShell 3.0 or later (CIM cmdlets, ConvertTo-Json).

$ErrorActionPreference = 'Stop'
# Progress records would otherwise reach the controller as CLIXML on stderr.
$ProgressPreference = 'SilentlyContinue'
# Throws under some hosts (psrp); the JSON is ASCII-safe either way.
try { [Console]::OutputEncoding = New-Object Text.UTF8Encoding $false } catch { }

$step = 'read parameters'
try {
    $P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json

    $step = 'read host facts'
    $os = Get-CimInstance Win32_OperatingSystem
    $r = @{
        ok = $true
        computer_name = $env:COMPUTERNAME
        utc_now = [DateTime]::UtcNow.ToString('s') + 'Z'
        os = $os | Select-Object 'Caption', 'Version', 'BuildNumber', 'OSArchitecture'
        cpu = @(Get-CimInstance Win32_Processor | Select-Object 'MaxClockSpeed', 'NumberOfCores')
        # Installed memory (the DIMMs), as Office's requirements count it.
        memory_bytes = (Get-CimInstance Win32_PhysicalMemory | Measure-Object -Property 'Capacity' -Sum).Sum
        disk = Get-CimInstance Win32_LogicalDisk -Filter "DeviceID='$env:SystemDrive'" | Select-Object 'DeviceID', 'FreeSpace'
    }

    # Products that have a key installed, as ospp.vbs /act selects them (facts §4.2).
    # ApplicationIDs from facts §3; filters are built from these constants only. The
    # service is read in this step too: when licensing cannot be read (service disabled,
    # classes not registered, access denied), the failure names this step.
    $step = 'read licensing products'
    $r.cmid = (Get-CimInstance SoftwareLicensingService).ClientMachineID
    $Keyed = ') AND PartialProductKey <> NULL'
    $Office = "ApplicationID='0ff1ce15-a989-479d-af46-f275c6370663'"
    $Office14 = "ApplicationID='59a52881-a989-479d-af46-f275c6370663'"
    $Windows = "ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f'"
    # Documented SoftwareLicensingProduct properties (facts §1.3), the same names ospp.vbs
    # reads from OfficeSoftwareProtectionProduct (facts §1.6).
    $Props = 'ID', 'Name', 'Description', 'ApplicationID', 'PartialProductKey', 'LicenseStatus',
    'LicenseStatusReason', 'GracePeriodRemaining', 'KeyManagementServiceMachine',
    'KeyManagementServicePort', 'DiscoveredKeyManagementServiceMachineName',
    'DiscoveredKeyManagementServiceMachinePort'
    # Which class holds Office, as ospp.vbs chooses (facts §1.1): on Windows 7 (6.1)
    # Office lives in osppsvc; on Windows 8 and later Office 2013+ is in the Windows SPP.
    # Office 2010 always uses osppsvc, so that class is read wherever its service exists.
    $apps = @()
    if (-not $os.Version.StartsWith('6.1.')) { $apps += $Office }
    if ($P.include_windows) { $apps += $Windows }
    $r.spp = @()
    if ($apps.Count) {
        $r.spp = @(Get-CimInstance SoftwareLicensingProduct -Filter ('(' + ($apps -join ' OR ') + $Keyed) | Select-Object $Props)
    }
    $ospp = $null
    try { $ospp = Get-CimInstance OfficeSoftwareProtectionService } catch { }
    $r.ospp = $null
    if ($ospp) {
        $r.ospp_cmid = $ospp.ClientMachineID
        $r.ospp = @(Get-CimInstance OfficeSoftwareProtectionProduct -Filter ("($Office OR $Office14" + $Keyed) | Select-Object $Props)
    }

    # Office installations: Click-to-Run (LTSC/retail builds and Microsoft 365 Apps) keeps
    # one configuration key; MSI suites register an uninstall key named Office<NN>.<SKU>
    # (e.g. Office16.PROPLUS), under WOW6432Node when 32-bit on 64-bit Windows.
    $step = 'read Office installations'
    $r.c2r = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Office\ClickToRun\Configuration' -ErrorAction SilentlyContinue | Select-Object 'VersionToReport', 'Platform', 'ProductReleaseIds'
    $r.msi = @(foreach ($w in '', 'WOW6432Node\') {
            Get-ChildItem -Path "HKLM:\SOFTWARE\${w}Microsoft\Windows\CurrentVersion\Uninstall" -ErrorAction SilentlyContinue |
            Where-Object { $_.PSChildName -match '^Office1\d\.\w+$' } |
            ForEach-Object { Get-ItemProperty -Path $_.PSPath | Select-Object @('PSChildName', 'DisplayName', 'DisplayVersion', @{ n = 'Wow'; e = { $w -ne '' } }) }
        })

    # Can this host open a TCP connection to the KMS host? ("is the VPN up?")
    # A plain connect and close: nothing of the KMS protocol is sent.
    $r.reach = $null
    if ($P.kms_host) {
        $step = 'test KMS reachability'
        $r.reach = @{ reachable = $false; error = $null }
        $tcp = New-Object Net.Sockets.TcpClient
        try {
            $ar = $tcp.BeginConnect($P.kms_host, [int]$P.kms_port, $null, $null)
            if ($ar.AsyncWaitHandle.WaitOne([int]$P.connect_timeout_ms)) {
                $tcp.EndConnect($ar)
                $r.reach.reachable = $true
            } else { $r.reach.error = 'timed out' }
        } catch {
            $e = $_.Exception
            while ($e.InnerException) { $e = $e.InnerException }
            $r.reach.error = $e.Message
        } finally { $tcp.Close() }
    }
} catch {
    # A failed CIM query carries the provider's HRESULT in its error data (error_Code), as
    # the apply script reads it; the exception's own HResult is then a generic one.
    $code = [int64]$_.Exception.HResult
    $data = $_.Exception.ErrorData
    if ($data -and $data.CimInstanceProperties['error_Code']) { $code = [int64]$data.CimInstanceProperties['error_Code'].Value }
    # 4294967295 (not 0xFFFFFFFF, which PowerShell reads as the Int32 -1) keeps 32 bits.
    $r = @{ ok = $false; step = $step; error = $_.Exception.Message; hresult = '0x{0:X8}' -f ($code -band 4294967295) }
}
$r | ConvertTo-Json -Depth 4 -Compress
