# The Windows PowerShell Operational log's module logging (4103) and script block logging
# (4104) events since -Since, as one JSON array on standard output (docs/licensing-facts.md §11.4),
# for tests/windows/office_probe.py to search. What it searches for is never on this script's
# command line, so reading the log cannot write it there.
param([Parameter(Mandatory = $true)][datetime]$Since)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
[Console]::OutputEncoding = New-Object Text.UTF8Encoding $false

$filter = @{ LogName = 'Microsoft-Windows-PowerShell/Operational'; Id = 4103, 4104; StartTime = $Since }
try {
    $found = @(Get-WinEvent -FilterHashtable $filter)
}
catch {
    # Nothing logged since then is an empty answer, not an error.
    if ($_.FullyQualifiedErrorId -notmatch '^NoMatchingEventsFound') { throw }
    $found = @()
}
$events = @(foreach ($e in $found) {
        @{ id = $e.Id; record_id = $e.RecordId; process_id = $e.ProcessId
            time_created = $e.TimeCreated.ToUniversalTime().ToString('o')
            message = $e.Message; data = @($e.Properties | ForEach-Object { [string]$_.Value })
        }
    })
ConvertTo-Json -InputObject $events -Depth 4 -Compress
