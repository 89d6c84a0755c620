#!/usr/bin/python
# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the work is done on the controller by the action
# plugin of the same name (plugins/action/office_kms.py). The options and notes it shares with
# windows_kms and office_kms_info are in plugins/doc_fragments/.

DOCUMENTATION = r"""
---
module: office_kms
short_description: Point Office (and Windows) at your KMS host and activate it, idempotently
version_added: 0.2.0
description:
  - Does what C(ospp.vbs /sethst:<host>) then C(ospp.vbs /act) do by hand, per Office
    product and only where needed; with O(applications) it does the same for Windows itself
    (C(slmgr.vbs /skms host:port <ActivationID>) then C(slmgr.vbs /ato)). A product already
    activated against the right KMS host, with more than O(renew_below_days) left, is reported
    C(ok) and not touched.
  - "Three steps: B(inspect) (one remote call: read the products of every application in
    O(applications)), B(plan) (on the controller: compare with the desired state, decide the
    ordered steps), B(apply) (one remote call: run the steps, re-read the products). Office and
    Windows together are read by one read program and changed by one write program: a
    compliant host costs one remote call and no contact with the KMS host; a host that needs
    work costs two."
  - "Each step is the method Microsoft's own scripts call, on the class they call it on:
    C(InstallProductKey) on the product's licensing service, then (Windows SPP only, as
    C(slmgr.vbs) does) C(RefreshLicenseStatus); C(SetKeyManagementServiceMachine),
    C(SetKeyManagementServicePort), C(Clear...) and C(Activate) on the product itself. Office's
    own service (osppsvc) has no C(RefreshLicenseStatus) and C(ospp.vbs) never calls it, so
    neither does this module."
  - The KMS host and port are set B(per product) (C(SetKeyManagementServiceMachine),
    C(SetKeyManagementServicePort)), never service-wide, so Office and Windows each keep their
    own settings, and a service-wide value set by someone else (C(slmgr /skms) without an
    Activation ID, or a policy) stays as it is. The Windows product is changed only when
    O(applications) includes V(windows), Office's products only when it includes V(office).
  - Office 2013 and later on Windows 8 and later are handled through
    C(SoftwareLicensingProduct); Office 2010, and Office on Windows 7, through
    C(OfficeSoftwareProtectionProduct), as Microsoft's C(ospp.vbs) does.
  - Products on a MAK, retail or OEM channel are left alone unless a key is given for them
    (O(product_key) for Office, O(windows_product_key) for Windows). Microsoft 365 Apps
    (subscription) are not managed by KMS and are never touched. A product activated by
    Active Directory (RV(products[].activation_type) C(ActiveDirectory)) is left alone unless
    O(force) or its key option is given. Each is listed in RV(untouched) with the reason.
  - "A host without Office, or with only Microsoft 365 Apps (subscription), is C(ok) for Office
    and RV(msg) says so (C(Office is not installed on this host: nothing to activate))."
options:
  applications:
    description:
      - What the task manages. V(office), Office's products (O(products), O(product_key) and
        the system requirements, O(requirements), apply to them); V(windows), Windows itself,
        as M(volume_licensing.kms.windows_kms) does (the KMS host and port set on the Windows
        product, Microsoft's published Windows GVLK with O(windows_product_key=auto)).
      - "Both are read by one read program and changed by one write program per host: a
        compliant host costs one remote call with both, one that needs work two.
        RV(applications) returns each one's outcome."
      - An empty list is refused.
    type: list
    elements: str
    choices: [office, windows]
    default: [office]
  products:
    description:
      - Only these Office products, by family (V(ProPlus2024Volume), V(VisioPro2024Volume),
        V(ProjectPro2021Volume) and so on; product, year and C(Volume), as RV(products[].family)
        reports them) or by SKU ID. Default is every Office KMS-client product with a key.
      - A family that is not installed on a host gives a warning, not a failure.
      - "A named product whose KMS client licence is installed without a key (a leftover SKU, a
        repaired install) is found too: with O(product_key) its key is installed and it is
        activated, as C(ospp.vbs /inpkey) then C(/act) would do; without, the task says so
        (C(licence installed without a key; give product_key: auto)). Those licences are read
        (a few properties each) only when this option is given."
      - Given without V(office) in O(applications), it is refused.
    type: list
    elements: str
  product_key:
    description:
      - For Office's products. V(auto) installs Microsoft's published KMS client key (GVLK) for
        each selected product whose installed key is not a KMS client key, for example to
        convert a MAK product. The collection carries the GVLKs Microsoft publishes for Office
        2016 to LTSC 2024; for other products V(auto) fails with a message naming the product.
      - Any other value is one product key (five groups of five characters), installed on the
        one selected product if its last five characters differ from the installed key's.
        Select that product with O(products) when the host has several.
      - The key is never shown; output shows only its last five characters. Given without
        V(office) in O(applications), it is refused.
    type: str
  windows_product_key:
    description:
      - For the Windows product, when O(applications) includes V(windows). V(auto) installs
        Microsoft's published KMS client key (GVLK) for the installed Windows edition when the
        installed key is not a KMS client key, for example to convert a MAK install. The
        collection carries every key of Microsoft's KMS client key page (Windows Server 2008 to
        2025, Windows Vista to 11 with LTSC/LTSB); an edition it cannot tell fails with a
        message naming it.
      - Any other value is one product key for Windows (five groups of five characters),
        installed when its last five characters differ from the installed key's.
      - The key is never shown; output shows only its last five characters. Given without
        V(windows) in O(applications), it is refused.
    type: str
  requirements:
    description:
      - "Check the host against Microsoft's system requirements for the newest Office version
        installed on it (Office 2010 to LTSC 2024: minimum Windows client and server versions,
        CPU, memory, free disk; each figure from Microsoft's page for that version, none
        invented where Microsoft gives none), using the facts the first call reads anyway: no
        extra remote call."
      - "A fact the check needs that the host did not report (null, or 0 for a speed, a count
        or a size) or reported in a form that is not a number or a Windows version is
        unknown: never a shortfall, but named (with the CIM property it comes from) in
        RV(requirements.unknown) and in a warning."
      - "An installed Office version this collection has no requirements table for (one newer
        than LTSC 2024, such as C(ProPlus2027Volume)) is not checked either: it is named as not
        checked, and why, in RV(requirements.unknown) and listed in
        RV(requirements.unknown_versions). Thresholds given with the C(min_) options are checked
        against the host, but do not make that version's own requirements known: with
        O(requirements=strict) such a host fails even when every threshold is given."
      - "C(enforce) fails a host below them with one message listing every shortfall, before
        anything is changed; C(strict) does the same and also fails a host whose facts are
        unknown; C(warn) adds the message to the task's warnings and carries on; C(skip) does
        not check. Not checked with O(state=absent)."
    type: str
    choices: [enforce, strict, warn, skip]
    default: skip
  min_cpu_mhz:
    description:
      - Lowest processor speed in MHz, instead of the installed Office version's figure.
        Office LTSC 2024's default is the source procedure's 1.6 GHz.
    type: int
  min_cpu_cores:
    description: Fewest processor cores, instead of the installed Office version's figure.
    type: int
  min_memory_mb:
    description: Least installed memory in MB, instead of the installed Office version's figure.
    type: int
  min_free_disk_mb:
    description: Least free space on the system drive in MB, instead of the installed Office version's figure.
    type: int
  min_os_version:
    description:
      - Lowest Windows version as major.minor or major.minor.build (C(10.0) Windows 10 and
        11, C(6.3) Windows 8.1, C(6.1.7601) Windows 7 SP1), instead of the installed Office
        version's client and server minimums.
      - The C(min_) figures are checked before anything is sent to a host; a version in
        another form, or a number below 0 or not a whole number or ASCII digits (C(1e1),
        full-width digits), fails the task on every host with a message naming the option,
        the value given and the form accepted.
    type: str
extends_documentation_fragment:
  - volume_licensing.kms.kms_connection
  - volume_licensing.kms.kms_client
seealso:
  - module: volume_licensing.kms.windows_kms
  - module: volume_licensing.kms.office_kms_info
  - name: Activate volume licensed versions of Office by using KMS
    description: Microsoft's documentation of KMS activation for Office.
    link: https://learn.microsoft.com/office/volume-license-activation/activate-office-by-using-kms
  - name: KMS client activation and product keys
    description: Microsoft's published GVLKs for every Windows edition.
    link: https://learn.microsoft.com/windows-server/get-started/kms-client-activation-keys
author:
  - volume_licensing.kms contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Point every Office product at the KMS host and activate what needs it
  volume_licensing.kms.office_kms:
    kms_host: kms.example.edu

- name: Activate Office and Windows in one task (one remote call per compliant host)
  volume_licensing.kms.office_kms:
    kms_host: kms.example.edu
    applications: [office, windows]
    windows_product_key: auto
  register: activation

- name: Show what happened to each application
  ansible.builtin.debug:
    msg: "{{ item.key }}: {{ item.value.msg }}"
  loop: "{{ activation.applications | default({}) | dict2items }}"

- name: Renew products that have fewer than 60 days left
  volume_licensing.kms.office_kms:
    kms_host: kms.example.edu
    renew_below_days: 60

- name: Convert MAK-channel Office LTSC 2024 to KMS with Microsoft's published key
  volume_licensing.kms.office_kms:
    kms_host: kms.example.edu
    products: [ProPlus2024Volume]
    product_key: auto

- name: Prepare an image - set key and host, do not activate (first boot will)
  volume_licensing.kms.office_kms:
    kms_host: kms.example.edu
    state: configured
    product_key: auto

- name: Go back to DNS auto-discovery
  volume_licensing.kms.office_kms:
    state: absent
"""

# RETURN is written out in each module, not shared through plugins/doc_fragments/: ansible-core
# 2.19 (the lowest that meta/runtime.yml allows) merges fragments into DOCUMENTATION only, and
# its ansible-doc fails on a RETURN that extends one; 2.20 added that (ansible/ansible#72635).
RETURN = r"""
changed:
  description: Whether any step succeeded (in check mode, would be run).
  returned: always
  type: bool
  sample: true
msg:
  description:
    - The whole task's outcome, over every application in O(applications). On success, one line
      with what changed, what was compliant and what was left alone; on failure, per failed
      product what failed on which host, the HRESULT and what to do.
  returned: always
  type: str
  sample: "changed: ProPlus2024Volume, VisioPro2024Volume"
applications:
  description:
    - Each application the task manages (O(applications)), keyed C(office) and C(windows), with
      that application's own outcome. RV(msg) stays the whole task's, and RV(products) holds
      every product of every application (RV(products[].application)).
    - Not returned when the task failed before the host was read and planned (an invalid
      option, an unreachable host, a failed read, or Office's system requirements enforced).
  returned: when the host was read and planned
  type: dict
  sample: {office: {changed: true, failed: false, msg: "changed: ProPlus2024Volume", error_code: null,
                    error_name: null, error_hint: null},
           windows: {changed: false, failed: false, msg: "compliant: Windows 11 Education", error_code: null,
                     error_name: null, error_hint: null}}
  contains:
    office:
      description: Office's outcome, when O(applications) includes V(office).
      type: dict
      contains:
        changed:
          description: Whether a step succeeded (or would run, in check mode) for an Office product.
          type: bool
          sample: true
        failed:
          description: Whether a step failed for an Office product.
          type: bool
          sample: false
        msg:
          description: Office's one-line outcome, or on failure its failure message.
          type: str
          sample: "changed: ProPlus2024Volume"
        error_code:
          description: When Office failed, the HRESULT (first failed product); otherwise null.
          type: str
          sample: null
        error_name:
          description: When Office failed, the HRESULT's symbolic name; otherwise null.
          type: str
          sample: null
        error_hint:
          description: When Office failed, what to do; otherwise null.
          type: str
          sample: null
    windows:
      description: Windows' outcome, when O(applications) includes V(windows).
      type: dict
      contains:
        changed:
          description: Whether a step succeeded (or would run, in check mode) for the Windows product.
          type: bool
          sample: false
        failed:
          description: Whether a step failed for the Windows product.
          type: bool
          sample: false
        msg:
          description: Windows' one-line outcome, or on failure its failure message.
          type: str
          sample: "compliant: Windows 11 Education"
        error_code:
          description: When Windows failed, the HRESULT; otherwise null.
          type: str
          sample: null
        error_name:
          description: When Windows failed, the HRESULT's symbolic name; otherwise null.
          type: str
          sample: null
        error_hint:
          description: When Windows failed, what to do; otherwise null.
          type: str
          sample: null
requirements:
  description:
    - The requirement check, when O(requirements) is not C(skip) (and O(state) is not C(absent)).
  returned: when checked
  type: dict
  contains:
    office:
      description:
        - The Office version whose requirements applied (the newest installed that this
          collection has a table for); null when no Office version is installed.
        - When only versions without a table are installed, the newest of them (its figures
          are only the thresholds given, if any).
      type: str
      sample: "2021"
    name:
      description: That version's name, for messages.
      type: str
      sample: Office LTSC 2021
    source:
      description: The Microsoft page(s) the figures come from.
      type: str
      sample: https://learn.microsoft.com/office/ltsc/2021/overview
    shortfalls:
      description: Every way the host falls short, in words; empty when it meets them.
      type: list
      elements: str
      sample: ["1 CPU core, needs 2", "2048 MB of memory, needs 4096 MB"]
    unknown:
      description:
        - Every fact the check needed but could not use, in words naming the fact, the CIM
          property it comes from and what was reported; empty when every fact was known.
        - An unknown fact is not a shortfall; with O(requirements=strict) it fails the host.
      type: list
      elements: str
      sample: ["cpu_max_clock_mhz unknown (Win32_Processor.MaxClockSpeed not reported), needs 1600 MHz"]
    unknown_versions:
      description:
        - Office versions installed on the host that this collection has no system
          requirements table for (a year such as C(2027), or C(Office NN) from a licence name
          without one); each is also named in RV(requirements.unknown) as not checked.
        - Not checked, so never a shortfall; with O(requirements=strict) the host fails, even
          when thresholds are given.
      type: list
      elements: str
      sample: ["2027"]
    shortfall_facts:
      description:
        - RV(requirements.shortfalls) as data, one entry each, in the same order - C(fact)
          (C(cpu_max_clock_mhz), C(cpu_cores), C(memory_mb), C(system_drive_free_mb),
          C(os_version)), C(value) (the host's figure), C(needed) (the requirement's; for
          C(os_version) a dictionary of C(version), C(name) and C(edition)), and C(drive) for
          the free space, C(caption) and C(office) for the Windows version.
        - What the role's summary words in the reader's language.
      type: list
      elements: dict
      sample: [{fact: cpu_cores, value: 1, needed: 2}]
    unknown_facts:
      description:
        - Each fact of RV(requirements.unknown) that the host did not report usably, as data -
          C(fact), C(source) (its CIM class and property), C(why) (C(not_reported),
          C(empty), C(zero) or C(not_a_number)), C(reported) (what was reported, as shown),
          and C(needed). Office versions without a table are in
          RV(requirements.unknown_versions) instead.
      type: list
      elements: dict
      sample: [{fact: cpu_max_clock_mhz, source: Win32_Processor.MaxClockSpeed, why: zero, reported: "0",
                needed: 1600}]
kms_host:
  description:
    - O(kms_host) as checked (an IP address in canonical form, an IPv6 literal without brackets,
      labels that are not ASCII as IDNA A-labels); null when not given.
  returned: when the options were valid
  type: str
  sample: kms.example.edu
kms_port:
  description: O(kms_port) as checked, which is what the host was sent.
  returned: when the options were valid
  type: int
  sample: 1688
connect_timeout:
  description: O(connect_timeout) as checked, in seconds of whole milliseconds; the host was sent it in milliseconds.
  returned: when the options were valid
  type: float
  sample: 5.0
remote_calls:
  description: Commands sent to the host (1 when compliant or in check mode, 2 when work was done).
  returned: when the options were valid
  type: int
  sample: 2
products:
  description:
    - The selected products of every application in O(applications) (Office's, then Windows'),
      in the shape of RV(volume_licensing.kms.office_kms_info#module:products) (after the
      change), with what was done to each.
  returned: when the host was inspected
  type: list
  elements: dict
  contains:
    sku_id:
      description: The product's SKU ID. After a key installation it is the SKU the key belongs to.
      type: str
      sample: 8d368fc1-9470-4be2-8d66-90e836cbb051
    name:
      description: The product's name.
      type: str
      sample: Office 24, Office24ProPlus2024VL_KMS_Client_AE edition
    description:
      description: The product's description.
      type: str
      sample: Office 24, VOLUME_KMSCLIENT channel
    application:
      description: The application the product belongs to, C(office) or C(windows).
      type: str
      choices: [office, windows]
      sample: office
    application_id:
      description: The product's ApplicationID.
      type: str
      sample: 0ff1ce15-a989-479d-af46-f275c6370663
    license_class:
      description: The CIM class the product lives in.
      type: str
      sample: SoftwareLicensingProduct
    family:
      description: The Office product family; null for Windows.
      type: str
      sample: ProPlus2024Volume
    version:
      description: The Office version; null for Windows.
      type: str
      sample: "2024"
    channel:
      description: The channel.
      type: str
      sample: VOLUME_KMSCLIENT
    kms_client:
      description: Whether the product is a KMS client.
      type: bool
      sample: true
    activation_type:
      description:
        - How the product was last activated (VLActivationType), C(ActiveDirectory), C(KMS) or
          C(Token); null when never activated, and absent where Windows does not report it
          (Windows 7, and Office 2010 / Office on Windows 7 in osppsvc).
      type: str
      sample: KMS
    ad_activation_object:
      description: The Active Directory activation object of the last AD-based activation, or null.
      type: str
      sample: Office-KMS-Campus
    partial_key:
      description: Last five characters of the installed key.
      type: str
      sample: GCVGB
    license_status:
      description: Licence status, code and name.
      type: dict
      sample: {code: 1, name: Licensed}
    license_status_reason:
      description: Licence status reason, HRESULT and name.
      type: dict
      sample: {code: "0x4004F040", name: SL_E_VL_INFO_PRODUCT_USER_RIGHT}
    remaining_minutes:
      description: Minutes until (re)activation is needed.
      type: int
      sample: 259200
    remaining_days:
      description: Days until (re)activation is needed.
      type: int
      sample: 180
    kms_host:
      description: KMS host set on the product.
      type: str
      sample: kms.example.edu
    kms_port:
      description: KMS port set on the product (null = 1688).
      type: int
      sample: 1688
    discovered_kms_host:
      description: KMS host last found through DNS.
      type: str
      sample: kms.example.edu
    discovered_kms_port:
      description: Port of the KMS host last found through DNS.
      type: int
      sample: 1688
    rearm_count:
      description:
        - Rearms left for the product, C(app) (RemainingAppReArmCount) and C(sku)
          (RemainingSkuReArmCount); each null where Windows does not report it (Windows 7, and
          products of osppsvc). Windows' own count is RV(remaining_windows_rearm_count) (with
          V(windows) in O(applications)), and
          RV(volume_licensing.kms.office_kms_info#module:host.remaining_windows_rearm_count).
      type: dict
      sample: {app: 5, sku: 5}
    kms_lookup_domain:
      description:
        - The DNS domain the product looks its KMS host up in instead of the host's DNS suffixes
          (KeyManagementServiceLookupDomain, C(slmgr /skms-domain), Windows 8 and later); null when
          none is set or Windows does not report it.
      type: str
      sample: campus.example
    kms_host_source:
      description:
        - Whose KMS host RV(products[].kms_host) is. C(product), the product's own setting (what
          O(state=absent) clears); C(service), the service-wide setting (C(slmgr /skms) without an
          Activation ID, or a GPO) that the product shows. Whether Windows shows the service-wide value
          on a product is unconfirmed, so this is decided from the per-SKU registry value under
          C(SoftwareProtectionPlatform\\<AppID>\\<SkuID>) and from a comparison with the service's
          value; null when the product shows no KMS host.
      type: str
      choices: [product, service]
      sample: product
    kms_port_source:
      description: The same for RV(products[].kms_port).
      type: str
      choices: [product, service]
      sample: null
    licensed_through:
      description:
        - For a Licensed product, the KMS host it was last activated through, C(kms_host),
          C(kms_port) and C(source), from its licensing events (C(events), the newest exchange that
          activated it) or else from DNS discovery (C(dns),
          DiscoveredKeyManagementServiceMachineName); null when neither tells. A product licensed
          through another KMS host than the task's O(kms_host) is activated against the task's.
      type: dict
      sample: {kms_host: kms.campus.example, kms_port: 1688, source: events}
    last_kms_exchange:
      description:
        - The product's last KMS exchange as the host's licensing events record it (Application
          log, events 12288 and 12289, matched by the product's Activation ID); null when none is
          logged. Same shape as the entries of RV(kms_exchanges).
      type: dict
      sample: {time: "2026-11-30T10:02:11Z", kms_host: kms.campus.example, kms_port: 1688, answered: true,
               hresult: "0xC004F038", error_name: SL_E_VL_NOT_ENOUGH_COUNT, activated: false, kms_count: 3,
               required_count: 5}
    before:
      description: The product before the task (sku_id, kms_host, kms_port, partial_key,
        license_status, remaining_days).
      type: dict
      sample: {sku_id: 8d368fc1-9470-4be2-8d66-90e836cbb051, kms_host: null, kms_port: null,
               partial_key: GCVGB, license_status: {code: 2, name: OOBGrace}, remaining_days: 30}
    reasons:
      description: Why each step is needed, in words.
      type: list
      elements: str
      sample: ["set host kms.example.edu", "not activated (OOBGrace)"]
    steps:
      description:
        - The steps in order (install_key, set_host, set_port, clear_host, clear_port,
          activate), each with C(result) (ok, failed, not run after a failure, planned in
          check mode), C(value) (host or port) or C(key) (last five characters), and
          C(error_code) / C(error_name) when it failed (both null when Windows gave no code,
          which is still a failure).
      type: list
      elements: dict
      sample: [{action: set_host, value: kms.example.edu, result: ok}, {action: activate, result: ok}]
    left_undone:
      description:
        - When the apply call did not come back whole (reply lost, cut short or garbled, or the
          connection failed meanwhile), the module reads the products again (one more remote
          call, RV(remote_calls) 3) and reports each step by what the host now shows - C(ok)
          when done, C(not run) when not; this lists the steps left undone. The task fails
          when any is left, and succeeds with a warning when the host shows everything done.
      type: list
      elements: str
      sample: [activate]
    changed:
      description: Whether a step succeeded (or would run, in check mode) for this product.
      type: bool
      sample: true
    failed:
      description: Whether a step failed for this product.
      type: bool
      sample: false
    msg:
      description: For a failed product, what failed and what to do.
      type: str
      sample: "Failed to activate ProPlus2024Volume on pc12: 0xC004F074 ..."
    error_code:
      description: For a failed product, the HRESULT.
      type: str
      sample: "0xC004F074"
    error_name:
      description: For a failed product, the HRESULT's symbolic name.
      type: str
      sample: SL_E_VL_BINDING_SERVICE_UNAVAILABLE
    error_hint:
      description: For a failed product, what to do.
      type: str
      sample: Check that the host is on the organisation's network (VPN connected off campus) ...
kms_exchanges:
  description:
    - The KMS exchanges the host's licensing events record, newest first (events 12288 and
      12289 of the Application log); after an activation, including the exchanges it made.
      Same shape as RV(volume_licensing.kms.office_kms_info#module:kms_exchanges).
  returned: success
  type: list
  elements: dict
  sample: [{time: "2026-11-30T10:02:11Z", kms_host: kms.campus.example, kms_port: 1688, answered: true,
            hresult: "0x00000000", activated: true, kms_count: 27, required_count: 5}]
dns_discovery:
  description:
    - What the host's own DNS publishes under C(_vlmcs._tcp), read when O(kms_host) is omitted;
      null otherwise. Same shape as RV(volume_licensing.kms.office_kms_info#module:dns_discovery).
  returned: success
  type: dict
  sample: {query: _vlmcs._tcp.campus.example, status: published, records: [{kms_host: kms.campus.example,
           kms_port: 1688, priority: 0, weight: 0, reachable: true, error: null}]}
remaining_windows_rearm_count:
  description: Windows' rearms left (SoftwareLicensingService.RemainingWindowsReArmCount). An
    image at 0 cannot be rearmed again; rebuild it from media.
  returned: when the host was read and planned, with V(windows) in O(applications)
  type: int
  sample: 1001
untouched:
  description:
    - Products of the applications in O(applications) present but left alone (another channel,
      or activated by Active Directory), each with sku_id, family (null for Windows), name,
      application and the reason.
  returned: when the host was inspected
  type: list
  elements: dict
  sample: [{sku_id: 0b5a0b5c-2b3e-4a7e-8c6c-6d1e0b8f2a41, family: ProPlus2024Volume,
            name: "Office 24, Office24ProPlus2024VL_MAK_AE edition", application: office,
            reason: "RETAIL(MAK) channel: not a KMS client (product_key: auto converts it to KMS)"}]
diff:
  description: With C(--diff), per changed product its KMS host, port, key and status before and after.
  returned: with --diff
  type: dict
  sample: {before: "ProPlus2024Volume (8d368fc1-...): kms_host=- kms_port=- key=GCVGB status=OOBGrace\n"}
error_code:
  description: On failure, the HRESULT (first failed product) in 0xC004F074 form; null when
    Windows gave none (a garbled reply, PowerShell stopping the script).
  returned: failure
  type: str
  sample: "0xC004F074"
error_name:
  description: On failure, the HRESULT's symbolic name.
  returned: failure
  type: str
  sample: SL_E_VL_BINDING_SERVICE_UNAVAILABLE
error_hint:
  description: On failure, what to do next (for the HRESULT, or for a reply that was not the
    script's JSON document).
  returned: failure
  type: str
  sample: Check that the host is on the organisation's network (VPN connected off campus), ...
transport_error:
  description:
    - When the connection to the host failed, how, one classification for every module of the
      collection - C(credentials) (HTTP 401), C(refused), C(name) (does not resolve),
      C(timeout), C(dropped) (closed before the reply), C(tls), C(winrm_fault) (WinRM answered
      with a refusal; the task fails) or C(other). All but C(winrm_fault) make the host
      UNREACHABLE. The message says it in words, names the step and what to do; reads change
      nothing, so a failure while reading says nothing was changed.
  returned: when the connection failed
  type: str
  sample: dropped
transport_detail:
  description: The connection's own error text, for a support ticket (never a password).
  returned: when the connection failed
  type: str
  sample: "ConnectionError: ('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))"
state_unknown:
  description:
    - True when the apply call did not come back whole and reading the host again failed too;
      some steps may have been done, so RV(changed) is true (a change is never hidden) and a
      re-run reads the host afresh and finishes the job. False otherwise.
  returned: when the apply call did not come back whole
  type: bool
  sample: false
"""
