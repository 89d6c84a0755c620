# office_kms_apply.ps1: the "apply" step of volume_licensing.kms.office_kms.
#
# Runs the steps the controller planned, in order, for each Office product; records each
# step's HRESULT; then re-reads the Office products and prints ONE JSON document. It decides
# nothing: which steps, and in which order, comes from the controller.
#
# Parameters arrive as data: the controller sends `$ParamsB64 = '<base64 of UTF-8 JSON>'`
# as the first line (on standard input), followed by this file. Keys:
#   check_reachable (bool), kms_host (string or null), kms_port (int), connect_timeout_ms (int)
#   jobs: [ { class: SoftwareLicensingProduct | OfficeSoftwareProtectionProduct,
#             id: the product's SKU ID,
#             steps: [ { action: install_key | set_host | set_port | clear_host |
#                                clear_port | activate, value: string, int or null } ] } ]
#
# "facts §N" refers to shared/reference/windows-licensing-facts.md.

$ErrorActionPreference = 'Stop'
# Progress records would otherwise reach the controller as CLIXML on stderr.
$ProgressPreference = 'SilentlyContinue'
try { [Console]::OutputEncoding = New-Object Text.UTF8Encoding $false } catch { }

# Calls one licensing method and returns its HRESULT (0 on success). A failed call surfaces
# either as a non-zero ReturnValue or as an exception; the licensing provider puts its
# HRESULT in the error's CIM data (error_Code), otherwise the innermost exception has it.
function Invoke-Licensing($Object, [string]$Method, [hashtable]$Arguments = @{}) {
    try {
        $out = Invoke-CimMethod -InputObject $Object -MethodName $Method -Arguments $Arguments
        if ($out.ReturnValue) { return @{ code = [int64]$out.ReturnValue; error = "$Method returned an error" } }
        return @{ code = 0; error = $null }
    } catch {
        $data = $_.Exception.ErrorData
        if ($data -and $data.CimInstanceProperties['error_Code']) {
            return @{ code = [int64]$data.CimInstanceProperties['error_Code'].Value; error = $_.Exception.Message }
        }
        $e = $_.Exception
        while ($e.InnerException) { $e = $e.InnerException }
        return @{ code = [int64]$e.HResult; error = $_.Exception.Message }
    }
}

$step = 'read parameters'
try {
    $P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
    $r = @{ ok = $true; reach = $null; steps = @(); jobs = @() }

    # Fail early, before changing anything, when the host cannot open a TCP connection to
    # the KMS host: activation could only end in 0xC004F074 (facts §6, §7.1).
    if ($P.check_reachable) {
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

    # Office products of both ApplicationIDs (facts §3); filters are constants only.
    $Office = "ApplicationID='0ff1ce15-a989-479d-af46-f275c6370663' OR ApplicationID='59a52881-a989-479d-af46-f275c6370663'"
    # Keys are installed through the service of the product's platform (facts §4.2 /inpkey).
    $Services = @{
        SoftwareLicensingProduct = 'SoftwareLicensingService'
        OfficeSoftwareProtectionProduct = 'OfficeSoftwareProtectionService'
    }
    $jobs = @($P.jobs)
    if ($r.reach -and -not $r.reach.reachable) { $jobs = @() }
    foreach ($job in $jobs) {
        $id = $job.id
        # Read the product and its service once per product: the product query lists every
        # Office SKU and is the slow part. Methods act on the instance's key, so later steps
        # can use the same object.
        $step = 'read the product to change'
        $product = Get-CimInstance $job.class -Filter $Office | Where-Object { $_.ID -eq $id }
        $service = Get-CimInstance $Services[$job.class]
        foreach ($s in $job.steps) {
            $step = $s.action
            # KMS host and port are set per product, never service-wide, so Windows' own
            # activation settings stay untouched (facts §1.4, §4.2 /sethst /setprt /remhst).
            switch ($s.action) {
                'install_key' { $res = Invoke-Licensing $service 'InstallProductKey' @{ ProductKey = [string]$s.value } }
                'set_host' { $res = Invoke-Licensing $product 'SetKeyManagementServiceMachine' @{ MachineName = [string]$s.value } }
                'set_port' { $res = Invoke-Licensing $product 'SetKeyManagementServicePort' @{ PortNumber = [uint32]$s.value } }
                'clear_host' { $res = Invoke-Licensing $product 'ClearKeyManagementServiceMachine' }
                'clear_port' { $res = Invoke-Licensing $product 'ClearKeyManagementServicePort' }
                'activate' { $res = Invoke-Licensing $product 'Activate' }
                default { $res = @{ code = 0x80070057; error = "unknown step $($s.action)" } }
            }
            # As slmgr.vbs does after installing a key or activating (facts §4, §9.4-5).
            if ($res.code -eq 0 -and ($s.action -eq 'install_key' -or $s.action -eq 'activate')) {
                $res = Invoke-Licensing $service 'RefreshLicenseStatus'
            }
            # A key may belong to another SKU of the product (MAK to KMS client): follow it.
            if ($res.code -eq 0 -and $s.action -eq 'install_key') {
                $last5 = ([string]$s.value).Replace('-', '')
                $last5 = $last5.Substring($last5.Length - 5)
                $product = @(Get-CimInstance $job.class -Filter $Office | Where-Object { $_.PartialProductKey -eq $last5 })[0]
                $id = $product.ID
            }
            $hr = $null
            # 4294967295 (not 0xFFFFFFFF, which PowerShell reads as -1): the low 32 bits.
            if ($res.code -ne 0) { $hr = '0x{0:X8}' -f ($res.code -band 4294967295) }
            $r.steps += @{ id = $job.id; action = $s.action; hresult = $hr; error = $res.error }
            # The remaining steps of this product depend on this one.
            if ($res.code -ne 0) { break }
        }
        $r.jobs += @{ id = $job.id; id_after = $id }
    }

    # Re-read, as the inspect step does: products with a key installed (facts §4.2).
    $step = 're-read licensing products'
    $Props = 'ID', 'Name', 'Description', 'ApplicationID', 'PartialProductKey', 'LicenseStatus',
    'LicenseStatusReason', 'GracePeriodRemaining', 'KeyManagementServiceMachine',
    'KeyManagementServicePort', 'DiscoveredKeyManagementServiceMachineName',
    'DiscoveredKeyManagementServiceMachinePort'
    $Keyed = ') AND PartialProductKey <> NULL'
    $Lists = @{ SoftwareLicensingProduct = 'spp'; OfficeSoftwareProtectionProduct = 'ospp' }
    $r.spp = @()
    $r.ospp = @()
    foreach ($class in @($jobs | ForEach-Object { $_.class } | Sort-Object -Unique)) {
        $r[$Lists[$class]] = @(Get-CimInstance $class -Filter ("($Office" + $Keyed) | Select-Object $Props)
    }
} catch {
    $r = @{ ok = $false; step = $step; error = $_.Exception.Message; hresult = '0x{0:X8}' -f $_.Exception.HResult }
}
$r | ConvertTo-Json -Depth 5 -Compress
