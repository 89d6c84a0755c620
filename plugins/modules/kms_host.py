#!/usr/bin/python
# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the work is done on the controller by the action
# plugin of the same name (plugins/action/kms_host.py).

DOCUMENTATION = r"""
---
module: kms_host
short_description: Set up the organisation's KMS host - host keys, activation, settings, firewall - idempotently
version_added: 0.2.0
description:
  - Does for a Windows Server KMS host what C(slmgr.vbs /ipk), C(/ato), C(/sprt), C(/sdns),
    C(/cdns), C(/spri), C(/cpri), C(/sai), C(/sri) and the firewall's Key Management Service
    rule do by hand, only where the host differs from what is asked, with the same honesty as
    M(volume_licensing.kms.office_kms) - check mode, diff, and per step what was done.
  - "Three steps: B(inspect) (one remote call, the read of M(volume_licensing.kms.kms_host_info)),
    B(plan) (on the controller), B(apply) (one remote call: the steps, then the host read
    again). A host as asked costs one remote call; one that needs work two."
  - "The steps, each the method Microsoft's C(slmgr.vbs) calls on the class it calls it on -
    C(install_host_key), C(SoftwareLicensingService.InstallProductKey) then
    C(RefreshLicenseStatus); C(activate_host), C(SoftwareLicensingProduct.Activate) on the host
    product then C(RefreshLicenseStatus); C(set_listening_port),
    C(SetKeyManagementServiceListeningPort); C(set_dns_publishing),
    C(DisableKeyManagementServiceDnsPublishing) (given the inverse of O(dns_publishing));
    C(set_low_priority), C(EnableKeyManagementServiceLowPriority); C(set_activation_interval),
    C(SetVLActivationInterval); C(set_renewal_interval), C(SetVLRenewalInterval) (all on the
    service); C(enable_firewall_rule) / C(disable_firewall_rule), C(MSFT_NetFirewallRule.Enable)
    / C(Disable) on the rule C(SPPSVC-In-TCP) in C(root/StandardCimv2); and last
    C(restart_service), a restart of the Software Protection service (C(sppsvc))."
  - "The restart: after C(/ipk) and after every host setting C(slmgr.vbs) warns that a KMS
    reboot is needed for it to take effect, and Microsoft's guides restart the Software
    Protection service. The module does so itself, once, at the end of the write call, when a
    host key was installed or a setting changed, then reads the host again: the result shows
    the settings as the restarted service reports them, and the next run compares against
    those. Activating, and the firewall rule, need no restart. Clients that ask during the few
    seconds of the restart retry at their next interval."
  - Existing host products that have a key but are not activated are activated first; then
    each key of O(host_keys) that is not installed yet is installed and (with O(activate)) its
    product activated; then the settings, the firewall rule and the restart. Each key's
    installation and its activation go together (a failed installation skips the
    activation); every other step stands alone, so one that fails does not stop the next.
  - "A licensed host product is never activated again: C(slmgr /ato) would, and each
    activation of a KMS host key counts against its limit (10 activations on up to six hosts)."
  - Nothing is changed when an Office Volume License Pack named in O(office_versions) is
    missing, or when the host would be no KMS host (no host key installed or given); the
    message says what to do.
options:
  host_keys:
    description:
      - The organisation's KMS host keys (CSVLKs, from the Volume Licensing Service Center or the
        Microsoft 365 admin center), one per Windows and per Office version the host serves.
      - A key whose last five characters already show on a host product is not installed
        again (Windows shows no more of an installed key). Any other is installed with
        C(InstallProductKey), like C(slmgr.vbs /ipk); where it lands is Windows' decision
        (an Office host key needs its version's Volume License Pack first, see O(office_versions)).
      - Never shown, logged or returned in full; output shows each key by its last five
        characters only, and C(-vvv) masks it too. Keep the keys in ansible-vault.
      - Refused before anything is sent, naming the entry by its position, are a value that is
        not a key of five groups of five characters, a KMS client key Microsoft publishes (a
        GVLK, which would make the host a KMS client), V(auto), and two keys with the same
        last five characters.
    type: list
    elements: str
    default: []
  activate:
    description:
      - Activate each host product that has a key and is not activated, online
        (C(SoftwareLicensingProduct.Activate), as C(slmgr.vbs /ato <Activation ID>)); the host
        then needs Internet access to Microsoft's activation servers. An activated product is
        never activated again.
      - V(false) leaves the activation to you (by phone - C(slmgr /dti), C(slui 4), C(slmgr
        /atp)); the task warns about each host product that is not activated.
    type: bool
    default: true
  listening_port:
    description:
      - TCP port the host listens on (C(SetKeyManagementServiceListeningPort)), 1 to 65535; a host
        that reports 0 listens on 1688. Given as text, only ASCII digits are taken.
      - Clients that find the host through DNS get the port from its SRV record; clients pointed
        at the host must be given the same port (O(volume_licensing.kms.office_kms#module:kms_port)).
      - The built-in firewall rule opens 1688 only; another port needs a firewall rule of your
        own, so O(firewall=true) with another port is refused.
    type: int
    default: 1688
  dns_publishing:
    description:
      - Whether the host publishes its C(_vlmcs._tcp) SRV record in its DNS domain (Windows'
        default, every 24 hours) - C(DisableKeyManagementServiceDnsPublishing) with the inverse.
        Omitted, left as it is.
      - Publishing in other DNS domains is O(dns_publishing_domains).
    type: bool
  dns_publishing_domains:
    description:
      - Other DNS domains the host publishes its C(_vlmcs._tcp) record in, besides its own (which
        it always uses), for clients whose DNS suffix is another domain. Omitted, left as it is;
        V([]) removes them all.
      - Windows has no WMI member for them; they are the registry value C(DnsDomainPublishList)
        (REG_MULTI_SZ) under C(HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform),
        as Microsoft's registry settings for volume activation document it, one entry per domain
        as C(domain, priority, weight) (the domain alone when both are 0). Step
        C(set_dns_publishing_domains) writes the whole value (or removes it) when the domains, or
        their priority or weight, differ from those listed, in any order; the Software
        Protection service then restarts, at which the host publishes (event 12294 per domain).
      - Refused before anything is sent - an IP address, a name that is not a DNS name (checked
        as O(volume_licensing.kms.office_kms#module:kms_host) is), a domain listed twice,
        numbers outside 0 to 65535, and domains with O(dns_publishing=false). On Windows Server
        2008 R2 and older the task fails before anything is changed - Microsoft says the format
        differs there without documenting it.
      - "Unconfirmed (the collection's C(docs/licensing-facts.md), section 12.2): another
        Microsoft page names the key C(...\\CurrentVersion\\SL) instead; if your host publishes
        nothing in a listed domain after the restart (no event 12294 naming it), tell the
        collection's maintainers."
    type: list
    elements: dict
    suboptions:
      domain:
        description:
          - A DNS domain such as C(labs.example.edu); internationalised names are sent in their
            ASCII (IDNA) form, lower case, without a final dot.
        type: str
        required: true
      priority:
        description:
          - The SRV record's priority (0 to 65535); clients try the lowest first.
        type: int
        default: 0
      weight:
        description:
          - The SRV record's weight (0 to 65535), among hosts of the same priority.
        type: int
        default: 0
  low_priority:
    description:
      - Whether the KMS service runs at low priority (C(EnableKeyManagementServiceLowPriority)),
        for a host shared with other work; Microsoft warns it can keep the count too low on a
        busy host. Omitted, left as it is.
    type: bool
  activation_interval:
    description:
      - Minutes an unactivated client waits between attempts, which the host hands to its
        clients (C(SetVLActivationInterval)), 15 to 43200; Windows' default is 120. Omitted,
        left as it is.
    type: int
  renewal_interval:
    description:
      - Minutes an activated client waits between renewals, which the host hands to its clients
        (C(SetVLRenewalInterval)), 15 to 43200; Windows' default is 10080 (7 days). Omitted, left
        as it is.
    type: int
  firewall:
    description:
      - V(true) enables Windows' built-in firewall rule C(SPPSVC-In-TCP) (the Key Management
        Service rule, inbound TCP 1688, which Windows does not enable by itself), through
        C(MSFT_NetFirewallRule.Enable) in C(root/StandardCimv2), selected by its
        locale-independent name. V(false) disables it (C(Disable)), for a host that stops
        serving or a firewall managed otherwise. Omitted, the rule is left as it is.
      - The rule's profiles are left as they are. A host without the rule, or without the
        firewall's CIM class (before Windows Server 2012), fails before anything is changed.
    type: bool
  office_versions:
    description:
      - Office versions the host must be able to activate. For each, its Office Volume License
        Pack must be installed, which is checked by the presence of its host licence (the
        Activation ID Microsoft documents), before anything is changed. When one is missing the
        task fails naming the version, the pack's download page and what to do; nothing is
        installed for you (see the example with M(ansible.windows.win_package)).
      - The packs - V(2016) U(https://www.microsoft.com/download/details.aspx?id=49164), V(2019)
        U(https://www.microsoft.com/download/details.aspx?id=57342), V(2021) (LTSC 2021)
        U(https://www.microsoft.com/download/details.aspx?id=103446), V(2024) (LTSC 2024)
        U(https://www.microsoft.com/download/details.aspx?id=106246).
    type: list
    elements: str
    choices: ['2016', '2019', '2021', '2024']
    default: []
attributes:
  check_mode:
    support: full
    description: Only the inspect call is made; RV(steps) lists what would be done and the state returned is the one predicted.
  diff_mode:
    support: full
    description: Shows the host keys (last five characters), settings and firewall rule before and after.
  platform:
    support: full
    platforms: windows
    description: Targets Windows Server KMS hosts, reached over WinRM.
notes:
  - The connecting account must be a local administrator on the host. C(become) is not applied
    to the commands this module sends. Needs PowerShell 3.0 or later.
  - "Failures name the host, the step and what it was about (the host product or setting), the
    HRESULT and what to do, then what was done before it and what was not run. Those of the
    host side:"
  - "C(0xC004F050) SL_E_INVALID_PRODUCT_KEY, C(0xC004F069) SL_E_MISMATCHED_PRODUCT_SKU or
    C(0xC004F015) SL_E_PRODUCT_SKU_NOT_INSTALLED at C(install_host_key): the key is mistyped, or
    its product's licence is not installed (an Office host key without its Volume License Pack)."
  - "C(0xC004C008) SL_E_CHPA_MAXIMUM_UNLOCK_EXCEEDED at C(activate_host): the host key has been
    activated as often as allowed; call the Microsoft Activation Center. C(0xC004C003)
    SL_E_CHPA_PRODUCT_KEY_BLOCKED: Microsoft blocked the key; get a new one. Any other failure of
    C(activate_host) also says that online activation needs Internet access to Microsoft's
    servers, and how to activate by phone."
  - "C(0xC004F041) SL_E_VL_KEY_MANAGEMENT_SERVICE_NOT_ACTIVATED (clients, or the host's 12290
    events): the host key is not activated. C(0xC004F042) SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH:
    clients asked for a product the host has no host key for. C(0xC004F038)
    SL_E_VL_NOT_ENOUGH_COUNT: the count is below the product's threshold."
  - "Unconfirmed facts the module relies on defensively (the collection's C(docs/licensing-facts.md),
    section 12): whether the properties show a new setting before the service restarts (they
    are read after the restart), which CIM property the cmdlets' C(-Name) of a firewall rule is
    (C(InstanceID)), which policy store a plain CIM enumeration of the rules returns, and
    whether an Office host product reports C(IsKeyManagementServiceMachine) before it is
    activated."
seealso:
  - module: volume_licensing.kms.kms_host_info
  - module: volume_licensing.kms.office_kms
  - name: Create a Key Management Services (KMS) activation host
    description: Microsoft's steps for a Windows KMS host.
    link: https://learn.microsoft.com/windows-server/get-started/kms-create-host
  - name: Configure a KMS host computer to activate volume licensed versions of Office
    description: The Office Volume License Packs and their host Activation IDs.
    link: https://learn.microsoft.com/office/volume-license-activation/configure-a-kms-host-computer-for-office
author:
  - volume_licensing.kms contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Read which Office Volume License Packs the KMS host has
  volume_licensing.kms.kms_host_info:
  register: kms

# The pack is Microsoft's download (see office_versions). Its silent switches are not documented:
# try the executable's /? on a test host first (the collection's docs/licensing-facts.md, 12.5).
- name: Install the Office LTSC 2024 Volume License Pack where it is missing
  ansible.windows.win_package:
    path: C:\Install\office2024vlpack.exe
    arguments: /quiet
  when: not kms.office_volume_license_packs['2024'].installed

- name: Set up the KMS host for Windows and Office LTSC 2024
  volume_licensing.kms.kms_host:
    host_keys: "{{ vault_kms_host_keys }}"
    office_versions: [2024]
    firewall: true
    dns_publishing: true
  register: kms_host

- name: Show the host
  ansible.builtin.debug:
    msg: "{{ kms_host.msg }}"

- name: Clients renew every 3 days instead of 7; activation left to the phone
  volume_licensing.kms.kms_host:
    renewal_interval: 4320
    activate: false
"""

RETURN = r"""
changed:
  description: Whether any step succeeded (in check mode, would be run).
  returned: always
  type: bool
  sample: true
msg:
  description:
    - On success, what was changed (or C(compliant)), then the host in one line - its host
      products with their keys' last five characters and status, port, DNS publishing,
      priority, firewall rule, and the count with what it activates. On failure, per failed
      step what failed on which host, the HRESULT and what to do, then what was done and what
      was not run.
  returned: always
  type: str
  sample: "changed: install the KMS host key *****-7BQ9X; activate the host product of key *****-7BQ9X; ...;
    Office LTSC 2024 host product (key 7BQ9X, Licensed); port 1688, DNS publishing on, priority normal,
    firewall rule SPPSVC-In-TCP enabled; count 20: activates Office yes, Windows Server no, Windows clients no"
remote_calls:
  description: Commands sent to the host (1 when nothing was to be done or in check mode, 2 when
    work was done, 3 when the host was read again after a lost reply).
  returned: when the options were valid
  type: int
  sample: 2
steps:
  description:
    - The steps in order, each with why and its result.
  returned: when the host was read and planned
  type: list
  elements: dict
  contains:
    action:
      description: The step's kind.
      type: str
      choices: [install_host_key, activate_host, set_listening_port, set_dns_publishing, set_low_priority,
                set_activation_interval, set_renewal_interval, enable_firewall_rule, disable_firewall_rule,
                restart_service]
      sample: install_host_key
    value:
      description: What a setting is set to, the rule's name, or the service restarted; absent for a host
        key and an activation.
      type: raw
      sample: 1688
    key:
      description: For C(install_host_key) and C(activate_host), the last five characters of the host key
        (never more).
      type: str
      sample: 7BQ9X
    sku_id:
      description: For C(activate_host), the host product's Activation ID; null for the product of a key
        the same task installs.
      type: str
      sample: null
    reason:
      description: Why the step is needed, in words.
      type: str
      sample: host key *****-7BQ9X is not installed
    result:
      description:
        - C(ok); C(failed); C(not run) (after a failure in its group, or not shown done after a
          lost reply); C(unknown) (after a lost reply, what a read cannot tell - the restart);
          C(planned) in check mode.
      type: str
      sample: ok
    error_code:
      description: When it failed, the HRESULT (null when Windows gave none).
      type: str
      sample: "0xC004F069"
    error_name:
      description: When it failed, the HRESULT's symbolic name.
      type: str
      sample: SL_E_MISMATCHED_PRODUCT_SKU
    service_status:
      description: For C(restart_service), the service's state after the restart (C(Running)).
      type: str
      sample: Running
left_undone:
  description: After a lost reply, the steps the host read again does not show done.
  returned: when the apply call did not come back whole
  type: list
  elements: str
  sample: [activate_host]
state_unknown:
  description: True when the apply call did not come back whole and reading the host again
    failed too; RV(changed) is then true, and a re-run finishes the job.
  returned: when the host could not be read again
  type: bool
  sample: true
is_kms_host:
  description: After the task (predicted in check mode), whether a host key is installed, as
    RV(volume_licensing.kms.kms_host_info#module:is_kms_host).
  returned: when the host was read and planned
  type: bool
  sample: true
kms_enabled:
  description: The service's C(IsKeyManagementServiceMachine), after the task.
  returned: when the host was read and planned
  type: bool
  sample: true
host_products:
  description:
    - After the task, each product with a host key, as
      RV(volume_licensing.kms.kms_host_info#module:host_products) (in check mode a key to be
      installed shows as a product with only C(partial_key) known).
  returned: when the host was read and planned
  type: list
  elements: dict
  contains:
    sku_id:
      description: Its Activation ID.
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
      sample: null
    channel:
      description: The channel from its description.
      type: str
      sample: VOLUME_KMS
    partial_key:
      description: The last five characters of its host key.
      type: str
      sample: 7BQ9X
    license_status:
      description: Its licence status, code and name.
      type: dict
      sample: {code: 1, name: Licensed}
    license_status_reason:
      description: Its licence status reason, HRESULT and name.
      type: dict
      sample: {code: "0x00000000", name: null}
    activated:
      description: Whether it is licensed.
      type: bool
      sample: true
    kms_enabled:
      description: Its C(IsKeyManagementServiceMachine).
      type: bool
      sample: true
    current_count:
      description: Its current count, null when Windows reports none.
      type: int
      sample: 20
    required_client_count:
      description: Its C(RequiredClientCount).
      type: int
      sample: 5
    requests:
      description: Its request counters (as RV(volume_licensing.kms.kms_host_info#module:host_products[].requests)).
      type: dict
      sample: {total: 24, failed: 0, unlicensed: 0, licensed: 4, oob_grace: 20, oot_grace: 0,
               non_genuine_grace: 0, notification: 0}
    activates:
      description: What its key activates, in words.
      type: str
      sample: the volume editions of Office, Project and Visio of Office LTSC 2024 (one host key per Office version)
office_volume_license_packs:
  description: After the task, as RV(volume_licensing.kms.kms_host_info#module:office_volume_license_packs).
  returned: when the host was read and planned
  type: dict
  sample: {"2024": {name: Office LTSC 2024, activation_id: f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f, installed: true,
                    partial_key: 7BQ9X, license_status: {code: 1, name: Licensed},
                    download: "https://www.microsoft.com/download/details.aspx?id=106246"}}
listening_port:
  description: After the task, the port the host listens on (0 returned as 1688).
  returned: when the host was read and planned
  type: int
  sample: 1688
dns_publishing:
  description: After the task, whether the host publishes its SRV record in DNS.
  returned: when the host was read and planned
  type: bool
  sample: true
dns_publishing_domains:
  description: After the task, the other DNS domains the host publishes its SRV record in, from the
    registry value C(DnsDomainPublishList) (empty when it is not set); an entry Windows holds in
    another form than C(domain, priority, weight) is returned as its text, with null priority
    and weight.
  returned: when the host was read and planned
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
  description: After the task, whether the KMS service runs at low priority.
  returned: when the host was read and planned
  type: bool
  sample: false
activation_interval:
  description: After the task, the activation interval in minutes.
  returned: when the host was read and planned
  type: int
  sample: 120
renewal_interval:
  description: After the task, the renewal interval in minutes.
  returned: when the host was read and planned
  type: int
  sample: 10080
current_count:
  description: After the task, the highest current count of the host products, or null.
  returned: when the host was read and planned
  type: int
  sample: 20
activates_office:
  description: After the task, whether an activated Office host product counts 5 or more.
  returned: when the host was read and planned
  type: bool
  sample: true
activates_windows_server:
  description: After the task, whether an activated Windows host product counts 5 or more on a
    Windows Server (C(Win32_OperatingSystem.ProductType) 2 or 3; a host key on a Windows client
    activates Windows clients only).
  returned: when the host was read and planned
  type: bool
  sample: false
activates_windows_clients:
  description: After the task, whether an activated Windows host product counts 25 or more.
  returned: when the host was read and planned
  type: bool
  sample: false
firewall:
  description: After the task, the rule C(SPPSVC-In-TCP), as RV(volume_licensing.kms.kms_host_info#module:firewall).
  returned: when the host was read and planned
  type: dict
  contains:
    rule:
      description: Its name.
      type: str
      sample: SPPSVC-In-TCP
    available:
      description: Whether the host has the firewall's CIM class.
      type: bool
      sample: true
    found:
      description: Whether the rule exists.
      type: bool
      sample: true
    enabled:
      description: Whether it is enabled.
      type: bool
      sample: true
    display_name:
      description: Its display name.
      type: str
      sample: Key Management Service (TCP-In)
    profiles:
      description: Its network profiles.
      type: list
      elements: str
      sample: [Any]
diff:
  description: With C(--diff), the host keys (last five characters), settings and firewall rule before and after.
  returned: with --diff
  type: dict
  sample: {before: "listening_port: 1688\n", after: "listening_port: 1689\n"}
error_code:
  description: On failure, the HRESULT of the first failed step in 0xC004F074 form; null when
    Windows gave none.
  returned: failure
  type: str
  sample: "0xC004C008"
error_name:
  description: On failure, the HRESULT's symbolic name.
  returned: failure
  type: str
  sample: SL_E_CHPA_MAXIMUM_UNLOCK_EXCEEDED
error_hint:
  description: On failure, what to do on the KMS host.
  returned: failure
  type: str
  sample: "This host key has been activated as often as Microsoft allows ..."
transport_error:
  description: When the connection failed, how (as RV(volume_licensing.kms.office_kms#module:transport_error)).
  returned: when the connection failed
  type: str
  sample: dropped
transport_detail:
  description: The connection's own error text (never a password).
  returned: when the connection failed
  type: str
  sample: "ConnectionError: ..."
"""
