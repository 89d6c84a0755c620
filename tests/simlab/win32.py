"""Instances of the basic Win32 classes, derived from a host's scenario entry.

Property meanings and units are Microsoft's (cim_classes.yml cites each class's page):
TotalVisibleMemorySize in kilobytes, TotalPhysicalMemory, Capacity, FreeSpace and Size in
bytes, MaxClockSpeed in MHz, DriveType 3 for a local disk. Win32_Service reflects the
licensing services as the scenario and the faults set them (sppsvc disabled by the
``licensing_service: disabled`` fault, osppsvc by ``ospp_service``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.simlab import locales
from tests.simlab.powershell.runtime import Unsupported
from tests.simlab.scenario import OSPP_INSTALLED, HostState

MB = 1024 * 1024
UPTIME = timedelta(hours=26)  # when the simulated PCs last booted, before "now"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def instances(class_name: str, state: HostState, now: datetime) -> list[dict[str, Any]]:
    os_ = state.os
    cpu = state.cpu
    sockets = int(cpu.get("sockets", 1))
    cores = int(cpu["cores"]) // sockets
    threads = int(cpu.get("threads", cpu["cores"])) // sockets
    if class_name == "Win32_OperatingSystem":
        # Caption (and Name, which begins with it) and OSArchitecture in the host's display
        # language: "This property can be localized" (tests/simlab/locales.py).
        caption = locales.caption(state.locale, os_["caption"])
        if caption is None:  # scenario.py refuses such a host; a test changed its os since
            raise Unsupported("the %s name of the edition in %r" % (state.locale, os_["caption"]))
        return [{
            "Name": "%s|C:\\WINDOWS|\\Device\\Harddisk0\\Partition2" % caption,
            "Caption": caption,
            "Version": os_["version"],
            "BuildNumber": str(os_["build"]),
            "OSArchitecture": locales.architecture(state.locale, os_["architecture"]),
            "SystemDrive": "C:",
            "CSName": state.computer_name,
            "TotalVisibleMemorySize": state.memory_mb * 1024,
            "FreePhysicalMemory": state.memory_mb * 1024 // 2,
            "LastBootUpTime": _iso(now - UPTIME),
            # "1 Work Station, 2 Domain Controller, 3 Server" (Win32_OperatingSystem page): the
            # scenario's os.product_type, else from the edition's caption.
            "ProductType": os_.get("product_type") or (3 if "Server" in os_["caption"] else 1),
        }]
    if class_name == "Win32_ComputerSystem":
        return [{
            "Name": state.computer_name,
            "Domain": "WORKGROUP",
            "PartOfDomain": False,
            "TotalPhysicalMemory": state.memory_mb * MB,
            "Manufacturer": "Simulated Hardware",
            "Model": "Simulated PC",
            "NumberOfProcessors": sockets,
            "NumberOfLogicalProcessors": threads * sockets,
        }]
    if class_name == "Win32_Processor":
        # MaxClockSpeed is SMBIOS's Processor Information "Max Speed" (Win32_Processor's page,
        # cim_classes.yml), which SMBIOS (DSP0134, type 4) sets to 0 when the speed is unknown,
        # and a CIM property that no provider fills reads as null: virtual firmware that does
        # not state a speed gives either. A scenario's ``mhz: null`` or ``mhz: 0`` is served as is.
        mhz = cpu.get("mhz")
        return [{
            "DeviceID": "CPU%d" % index,
            "Name": cpu.get("name", "Simulated x64 processor" + (" @ %.2f GHz" % (int(mhz) / 1000) if mhz else "")),
            "MaxClockSpeed": int(mhz) if mhz is not None else None,
            "NumberOfCores": cores,
            "NumberOfLogicalProcessors": threads,
        } for index in range(sockets)]
    if class_name == "Win32_PhysicalMemory":
        return [{"Tag": "Physical Memory 0", "Capacity": state.memory_mb * MB}]
    if class_name == "Win32_LogicalDisk":
        free = state.system_drive_free_mb * MB
        return [{"DeviceID": "C:", "DriveType": 3, "FreeSpace": free, "Size": max(free * 2, 256000 * MB)}]
    if class_name == "Win32_Service":
        spp_disabled = state.faults.get("licensing_service") == "disabled"
        services = [
            {"Name": "sppsvc", "DisplayName": "Software Protection",
             "State": "Stopped" if spp_disabled else "Running", "StartMode": "Disabled" if spp_disabled else "Auto"},
            {"Name": "WinRM", "DisplayName": "Windows Remote Management (WS-Management)",
             "State": "Running", "StartMode": "Auto"},
        ]
        if state.ospp_service in OSPP_INSTALLED:
            disabled = state.ospp_service == "disabled"
            services.append({"Name": "osppsvc", "DisplayName": "Office Software Protection Platform",
                             "State": "Stopped", "StartMode": "Disabled" if disabled else "Manual"})
        return services
    return []
