$p = ($(foreach ($l in $input) { $l }) -join "`n").Split([string[]]@("`0`0`0`0"), 2, [StringSplitOptions]::None); & ([ScriptBlock]::Create($p[0])) $p[1].Trim()
