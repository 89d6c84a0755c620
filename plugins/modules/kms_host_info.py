#!/usr/bin/python
# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the work is done on the controller by the action
# plugin of the same name (plugins/action/kms_host_info.py).

DOCUMENTATION = r"""
---
module: kms_host_info
short_description: Read the state of the organisation's KMS host, in one remote call
version_added: 0.2.0
description:
  - Reads a Windows KMS host as C(slmgr.vbs /dlv) shows it, and more, in one remote call that
    changes nothing - its host keys (CSVLKs) and their activation, the Office Volume License
    Packs installed, its settings, its current count against the activation thresholds, its
    request counters, the firewall rule that lets clients in, and the requests it processed
    lately, summarised by result.
  - "Each value is read from the class C(slmgr.vbs /dlv) reads it from. From each B(host
    product) (a C(SoftwareLicensingProduct) with a key whose Description has C(VOLUME_KMS) but
    not C(VOLUME_KMSCLIENT), as C(slmgr.vbs) tells a KMS host): its key, licence status,
    C(IsKeyManagementServiceMachine), the current count (C(KeyManagementServiceCurrentCount)),
    C(RequiredClientCount) and the request counters. From the B(service)
    (C(SoftwareLicensingService)): the listening port (0 means 1688), DNS publishing, low
    priority and the activation and renewal intervals it hands to its clients."
  - The Office Volume License Pack of each version (2016, 2019, LTSC 2021, LTSC 2024) counts as
    installed when that version's host licence is there, found by the host Activation ID
    Microsoft documents (with or without a key), not by an installer record.
  - The firewall rule is Windows' built-in C(SPPSVC-In-TCP) (the Key Management Service rule,
    TCP 1688), read from C(MSFT_NetFirewallRule) in C(root/StandardCimv2) by its
    locale-independent name.
  - The requests are the newest 100 events 12290 of the host's own C(Key Management Service)
    log (one per request it processed), read by log name and event ID.
  - Use M(volume_licensing.kms.kms_host) to change any of it.
options: {}
attributes:
  check_mode:
    support: full
    description: Reads only; the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to show.
  platform:
    support: full
    platforms: windows
    description: Targets Windows Server KMS hosts, reached over WinRM.
notes:
  - The connecting account must be a local administrator on the host. C(become) is not applied
    to the commands this module sends. Needs PowerShell 3.0 or later.
  - "The count is what the host reports: the distinct clients of the last 30 days, capped at 50
    (10 where only Office and Windows Server clients have asked). Office and Windows Server
    activate from 5, Windows clients from 25. A KMS host running on a Windows client activates
    Windows clients only, so RV(activates_windows_server) is true only on a Windows Server
    (RV(host.os_product_type) 2 or 3)."
  - "Unconfirmed facts the module reads defensively (each in the collection's
    C(docs/licensing-facts.md), section 12): how a count of -1 arrives (null here), whether the
    Windows and Office host products keep separate counts (each product's is returned), which
    CIM property the cmdlets' C(-Name) of a firewall rule is (C(InstanceID) here), and whether
    event 12290 carries one Info text or one string per field (both are read)."
seealso:
  - module: volume_licensing.kms.kms_host
  - module: volume_licensing.kms.office_kms_info
  - name: Configure a KMS host computer to activate volume licensed versions of Office
    description: Microsoft's steps, with the Volume License Packs and their host Activation IDs.
    link: https://learn.microsoft.com/office/volume-license-activation/configure-a-kms-host-computer-for-office
  - name: Slmgr.vbs options for obtaining volume activation information
    description: What C(slmgr.vbs /dlv) shows of a KMS host.
    link: https://learn.microsoft.com/windows-server/get-started/activation-slmgr-vbs-options
author:
  - volume_licensing.kms contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Read the KMS host
  volume_licensing.kms.kms_host_info:
  register: kms

- name: Say whether the host activates Office yet
  ansible.builtin.debug:
    msg: >-
      {{ inventory_hostname }} counts {{ kms.current_count }} clients;
      activates Office: {{ kms.activates_office }}, Windows clients: {{ kms.activates_windows_clients }}

- name: Fail when the firewall rule is off
  ansible.builtin.assert:
    that: kms.firewall.enabled
    fail_msg: The firewall rule {{ kms.firewall.rule }} is not enabled on {{ inventory_hostname }}
"""

RETURN = r"""
changed:
  description: Always false.
  returned: always
  type: bool
  sample: false
remote_calls:
  description: Commands sent to the host (always 1).
  returned: when the options were valid
  type: int
  sample: 1
host:
  description: The host, as it reports itself.
  returned: success
  type: dict
  contains:
    computer_name:
      description: Its computer name.
      type: str
      sample: KMS01
    utc_now:
      description: Its clock, UTC.
      type: str
      sample: "2026-11-30T10:02:11Z"
    os_caption:
      description: Windows' caption (Win32_OperatingSystem.Caption).
      type: str
      sample: Microsoft Windows Server 2022 Standard
    os_version:
      description: Windows' version.
      type: str
      sample: 10.0.20348
    os_build:
      description: Windows' build number.
      type: str
      sample: "20348"
    os_product_type:
      description: C(Win32_OperatingSystem.ProductType) - 1 a Windows client (Work Station), 2 a
        domain controller, 3 a server.
      type: int
      sample: 3
is_kms_host:
  description: Whether a host key is installed, that is a product with a key whose Description
    has C(VOLUME_KMS) but not C(VOLUME_KMSCLIENT) (C(slmgr.vbs)'s test).
  returned: success
  type: bool
  sample: true
kms_enabled:
  description: The service's C(IsKeyManagementServiceMachine) ("KMS is enabled on the computer").
  returned: success
  type: bool
  sample: true
host_products:
  description: Each product with a host key installed (Office's host licences and Windows' CSVLK).
  returned: success
  type: list
  elements: dict
  contains:
    sku_id:
      description: Its Activation ID (C(SoftwareLicensingProduct.ID)).
      type: str
      sample: f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f
    name:
      description: Its name.
      type: str
      sample: Office 24, Office24KMSHostVL_KMS_Host edition
    description:
      description: Its description, with its channel.
      type: str
      sample: Office 24, VOLUME_KMS channel
    application:
      description: C(office), C(windows), or C(other).
      type: str
      sample: office
    office_version:
      description: For an Office host product found by its documented Activation ID, its version; else null.
      type: str
      sample: "2024"
    license_family:
      description: Its C(LicenseFamily).
      type: str
      sample: Office24KMSHostVL
    channel:
      description: The channel from its description.
      type: str
      sample: VOLUME_KMS
    partial_key:
      description: The last five characters of its host key, as Windows shows them.
      type: str
      sample: 7BQ9X
    license_status:
      description: Its licence status, code and name; C(Licensed) is an activated host key.
      type: dict
      sample: {code: 1, name: Licensed}
    license_status_reason:
      description: Its licence status reason, HRESULT and name.
      type: dict
      sample: {code: null, name: null}
    activated:
      description: Whether it is licensed (activated).
      type: bool
      sample: true
    kms_enabled:
      description: Its C(IsKeyManagementServiceMachine).
      type: bool
      sample: true
    current_count:
      description: Its current count (C(KeyManagementServiceCurrentCount)), null when Windows
        reports none (-1).
      type: int
      sample: 20
    required_client_count:
      description: Its C(RequiredClientCount).
      type: int
      sample: 5
    requests:
      description: Its request counters, cumulative since the host was set up (C(total),
        C(failed), C(unlicensed), C(licensed), C(oob_grace), C(oot_grace), C(non_genuine_grace),
        C(notification)).
      type: dict
      sample: {total: 24, failed: 0, unlicensed: 0, licensed: 4, oob_grace: 20, oot_grace: 0,
               non_genuine_grace: 0, notification: 0}
    activates:
      description: What its key activates, in words.
      type: str
      sample: the volume editions of Office, Project and Visio of Office LTSC 2024 (one host key per Office version)
office_volume_license_packs:
  description:
    - Per Office version (C(2016), C(2019), C(2021), C(2024)), whether its Office Volume
      License Pack is installed (its host licence is there), with its host Activation ID, the
      host key on it and the pack's download.
  returned: success
  type: dict
  sample: {"2024": {name: Office LTSC 2024, activation_id: f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f, installed: true,
                    partial_key: 7BQ9X, license_status: {code: 1, name: Licensed},
                    download: "https://www.microsoft.com/download/details.aspx?id=106246"}}
listening_port:
  description: The TCP port the host listens on (C(KeyManagementServiceListeningPort); 0 is returned as 1688).
  returned: success
  type: int
  sample: 1688
dns_publishing:
  description: Whether the host publishes its C(_vlmcs._tcp) record in DNS.
  returned: success
  type: bool
  sample: true
dns_publishing_domains:
  description: The other DNS domains the host publishes its SRV record in, from the
    registry value C(DnsDomainPublishList) (empty when it is not set); an entry Windows holds in
    another form than C(domain, priority, weight) is returned as its text, with null priority
    and weight.
  returned: success
  type: list
  elements: dict
  sample: [{domain: labs.example.edu, priority: 0, weight: 0}]
  contains:
    domain:
      description: The domain, lower case, in its ASCII form.
      type: str
    priority:
      description: The SRV priority it is published with (0 when the entry gives none).
      type: int
    weight:
      description: The SRV weight it is published with (0 when the entry gives none).
      type: int
low_priority:
  description: Whether the KMS service runs at low priority.
  returned: success
  type: bool
  sample: false
activation_interval:
  description: Minutes between an unactivated client's attempts, which the host hands to its clients.
  returned: success
  type: int
  sample: 120
renewal_interval:
  description: Minutes between an activated client's renewals, which the host hands to its clients.
  returned: success
  type: int
  sample: 10080
current_count:
  description: The highest current count of the host products; null when none reports one.
  returned: success
  type: int
  sample: 20
activates_office:
  description: Whether an activated Office host product counts 5 or more.
  returned: success
  type: bool
  sample: true
activates_windows_server:
  description: Whether an activated Windows host product counts 5 or more on a Windows Server
    (RV(host.os_product_type) 2 or 3).
  returned: success
  type: bool
  sample: false
activates_windows_clients:
  description: Whether an activated Windows host product counts 25 or more.
  returned: success
  type: bool
  sample: false
firewall:
  description: The built-in firewall rule C(SPPSVC-In-TCP).
  returned: success
  type: dict
  contains:
    rule:
      description: Its name, C(SPPSVC-In-TCP).
      type: str
      sample: SPPSVC-In-TCP
    available:
      description: Whether the host has the firewall's CIM class (Windows Server 2012 and later).
      type: bool
      sample: true
    found:
      description: Whether the rule exists.
      type: bool
      sample: true
    enabled:
      description: Whether it is enabled; null when not found.
      type: bool
      sample: true
    display_name:
      description: Its display name, in the host's language.
      type: str
      sample: Key Management Service (TCP-In)
    profiles:
      description: The network profiles it applies to (C(Any), or C(Domain), C(Private), C(Public)).
      type: list
      elements: str
      sample: [Any]
kms_requests:
  description:
    - The requests the host processed, newest first (events 12290 of its C(Key Management
      Service) log, the newest 100), each with C(time), C(hresult) (C(0x00000000) when it was
      answered without error), C(error_name), C(required_count) (the count the client's product
      needs, not the host's count), C(client) (its FQDN), C(cmid) (its client machine ID),
      C(client_time), C(virtual_machine), C(license_status) (the client's, code and name),
      C(minutes_to_expiration) and C(activation_id) (the client product's).
  returned: success
  type: list
  elements: dict
  sample: [{time: "2026-11-30T10:02:11Z", hresult: "0xC004F038", error_name: SL_E_VL_NOT_ENOUGH_COUNT,
            required_count: 5, client: pc01.campus.example, cmid: 5e2b7c1d-4a3f-4c6e-9d8b-0a1b2c3d0001,
            client_time: "2026/11/30 10:02:11", virtual_machine: false, license_status: {code: 2, name: OOBGrace},
            minutes_to_expiration: 43200, activation_id: 8d368fc1-9470-4be2-8d66-90e836cbb051}]
kms_request_summary:
  description: The requests of RV(kms_requests) summarised.
  returned: success
  type: dict
  contains:
    read:
      description: Whether the log could be read (false, the list is empty for that reason).
      type: bool
      sample: true
    events:
      description: How many requests were read.
      type: int
      sample: 24
    distinct_clients:
      description: How many distinct clients (by CMID, else FQDN) they came from.
      type: int
      sample: 20
    newest:
      description: The newest request's time.
      type: str
      sample: "2026-11-30T10:02:11Z"
    oldest:
      description: The oldest request's time.
      type: str
      sample: "2026-11-29T08:00:00Z"
    by_result:
      description:
        - Per result, the most frequent first - C(hresult), C(error_name), C(error_hint) (what
          to do on the host), C(count), C(last_time) and C(clients) (up to ten, each C(client)
          and C(cmid)).
      type: list
      elements: dict
      sample: [{hresult: "0xC004F038", error_name: SL_E_VL_NOT_ENOUGH_COUNT, error_hint: "The host has counted ...",
                count: 4, last_time: "2026-11-30T10:02:11Z",
                clients: [{client: pc01.campus.example, cmid: 5e2b7c1d-4a3f-4c6e-9d8b-0a1b2c3d0001}]}]
msg:
  description: On failure, what failed on which host, the HRESULT and what to do.
  returned: failure
  type: str
  sample: "Failed to inspect kms01 (step: read the KMS host products (Software Protection service)): ..."
error_code:
  description: On failure, the HRESULT in 0xC004F074 form, or null.
  returned: failure
  type: str
  sample: "0x80070005"
error_name:
  description: On failure, the HRESULT's symbolic name.
  returned: failure
  type: str
  sample: E_ACCESSDENIED
error_hint:
  description: On failure, what to do next.
  returned: failure
  type: str
  sample: Connect with an account that is a local administrator on the host ...
transport_error:
  description: When the connection failed, how (as RV(volume_licensing.kms.office_kms#module:transport_error)).
  returned: when the connection failed
  type: str
  sample: timeout
transport_detail:
  description: The connection's own error text (never a password).
  returned: when the connection failed
  type: str
  sample: "ReadTimeout: ..."
"""
