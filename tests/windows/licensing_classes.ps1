# The licensing classes as this Windows registers them (docs/licensing-facts.md §1.1-§1.6, §11.2),
# written to -Out as JSON: per class, its qualifiers, every property (name, CIM type, qualifiers
# such as key) and every method with its parameters in the order Windows lists them (name, CIM type,
# qualifiers such as ID, In, Out). A class that is not registered (osppsvc's, without
# Office 2010) is recorded as absent with the error.
param([Parameter(Mandatory = $true)][string]$Out)

$ErrorActionPreference = 'Stop'

function ConvertFrom-Qualifier($Qualifiers) {
    $table = [ordered]@{}
    foreach ($q in $Qualifiers) { $table[$q.Name] = $q.Value }
    $table
}

$classes = [ordered]@{}
foreach ($name in 'SoftwareLicensingProduct', 'SoftwareLicensingService',
    'OfficeSoftwareProtectionProduct', 'OfficeSoftwareProtectionService') {
    try {
        $class = Get-CimClass -Namespace root/cimv2 -ClassName $name
    }
    catch {
        $classes[$name] = [ordered]@{ exists = $false; error = $_.Exception.Message }
        continue
    }
    $classes[$name] = [ordered]@{
        exists = $true
        qualifiers = ConvertFrom-Qualifier $class.CimClassQualifiers
        properties = @(foreach ($p in $class.CimClassProperties) {
                [ordered]@{ name = $p.Name; cim_type = "$($p.CimType)"; flags = "$($p.Flags)"
                    qualifiers = ConvertFrom-Qualifier $p.Qualifiers
                }
            })
        methods = @(foreach ($m in $class.CimClassMethods) {
                [ordered]@{ name = $m.Name; return_type = "$($m.ReturnType)"
                    qualifiers = ConvertFrom-Qualifier $m.Qualifiers
                    parameters = @(foreach ($a in $m.Parameters) {
                            [ordered]@{ name = $a.Name; cim_type = "$($a.CimType)"
                                reference_class = $a.ReferenceClassName
                                qualifiers = ConvertFrom-Qualifier $a.Qualifiers
                            }
                        })
                }
            })
    }
}
[IO.File]::WriteAllText($Out, (ConvertTo-Json -InputObject $classes -Depth 10))
# One line per class for the job's log.
foreach ($name in $classes.Keys) {
    $c = $classes[$name]
    if ($c.exists) { "{0}: {1} properties, {2} methods" -f $name, $c.properties.Count, $c.methods.Count }
    else { "{0}: absent ({1})" -f $name, $c.error }
}
