& ([ScriptBlock]::Create(($input | Out-String)))
