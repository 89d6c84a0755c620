#!/usr/bin/python
# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the work is done on the controller by the action
# plugin of the same name (plugins/action/office_kms_info.py). The options and notes it shares
# with office_kms and windows_kms are in plugins/doc_fragments/.

DOCUMENTATION = r"""
---
module: office_kms_info
short_description: Read the Office (and Windows) volume activation state of Windows hosts
version_added: 0.2.0
description:
  - Reads, in B(one) remote call and without changing anything, the licensing products of a
    Windows host (Office 2010 to LTSC 2024, Windows itself, or both, as O(applications) says),
    the host facts that Office's requirements depend on, the Office installations, whether
    the host can open a TCP connection to the KMS host, and the host's own evidence, namely
    its last KMS exchanges (RV(kms_exchanges), from the licensing events in the Application
    log), what its DNS publishes for KMS (RV(dns_discovery)), and rearm counts.
  - With O(kms_host), the host tries a TCP connection to O(kms_host):O(kms_port) and the result
    is returned in RV(kms_reachability); nothing of the KMS protocol is sent. Without it, the
    host looks up C(_vlmcs._tcp) in its own DNS (RV(dns_discovery)) and tries a TCP connection
    to each KMS host published there.
  - Runs through the task's own connection (C(winrm), C(psrp) or C(ssh) with PowerShell), so
    credentials, transports and certificates come from the inventory as usual. No file is
    copied to the host and nothing is left behind.
  - Office 2013 and later on Windows 8 and later are read from C(SoftwareLicensingProduct);
    Office 2010, and Office on Windows 7, from C(OfficeSoftwareProtectionProduct), as
    Microsoft's C(ospp.vbs) does. Only products with a product key installed are reported.
  - Microsoft 365 Apps (subscription) installations are reported with C(subscription=true),
    because KMS does not manage them.
  - ansible-core has no Windows fact gathering; plays use C(gather_facts=false) and this
    module instead.
options:
  applications:
    description:
      - Which licensing products to read. V(office), Office's (Office 2010 to LTSC 2024);
        V(windows), Windows' own (ApplicationID C(55c92734-d682-4d71-983e-d6ec3f16059f)).
      - An empty list is refused.
    type: list
    elements: str
    choices: [office, windows]
    default: [office]
  include_windows:
    description:
      - The older form of adding V(windows) to O(applications); V(true) means the same.
    type: bool
    default: false
extends_documentation_fragment:
  - volume_licensing.kms.kms_connection
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Returns no diff.
notes:
  - "A failure names the host and the step that failed (read the host, read host facts,
    read licensing products (Software Protection service), read Office licensing products
    (Office Software Protection service, osppsvc), read Office installations), with the
    HRESULT in RV(error_code) when Windows returned one and what to do in RV(error_hint). The
    ones an operator meets:"
  - "C(Failed to inspect HOST (step: read licensing products (Software Protection service)):
    Access denied.) C(0x80070005)
    E_ACCESSDENIED: the account may not read licensing data. Connect with a local administrator
    account (for a local account over WinRM, remote UAC filtering applies:
    C(LocalAccountTokenFilterPolicy))."
  - "C(0x80070422) ERROR_SERVICE_DISABLED at the same step: the Software Protection service
    (sppsvc) is disabled. Set it back to Automatic (Delayed Start) and find what disabled it.
    At the osppsvc step it is the Office Software Protection Platform service (Office 2010,
    and Office 2013/2016 on Windows 7): the task fails rather than report no Office products."
  - "C(0x80041010) WBEM_E_INVALID_CLASS (C(Invalid class)): the licensing WMI classes are not
    registered. Run C(mofcomp %WinDir%\\System32\\wbem\\sppwmi.mof) as an administrator
    (Office 2010: C(ospp.vbs /regmof)), or repair Windows."
  - "C(the host's reply was not the JSON document the executor prints: it was cut short or
    garbled): run the task again; if it keeps happening, check the WinRM connection (proxies,
    security software) and what writes to the console on the host."
  - "C(PowerShell stopped before it printed a result) followed by PowerShell's own error: fix
    what it reports; the collection needs PowerShell 3.0 or later."
  - "C(Invalid option ... Nothing was sent to HOST): a bad O(kms_host), O(kms_port) or
    O(connect_timeout) is refused on the controller before anything reaches the host."
seealso:
  - module: volume_licensing.kms.office_kms
  - module: volume_licensing.kms.windows_kms
  - name: Tools to manage volume activation of Office
    description: Microsoft's ospp.vbs reference, the hand procedure this collection replaces.
    link: https://learn.microsoft.com/office/volume-license-activation/tools-to-manage-volume-activation-of-office
author:
  - volume_licensing.kms contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Read the licensing state of every lab PC
  volume_licensing.kms.office_kms_info:
  register: licensing

- name: Read Office's and Windows' licensing products
  volume_licensing.kms.office_kms_info:
    applications: [office, windows]
  register: licensing

- name: Read it and check that the KMS host is reachable from each PC
  volume_licensing.kms.office_kms_info:
    kms_host: kms.example.edu
    kms_port: 1688
    connect_timeout: 3
  register: licensing

- name: Show products that are not activated
  ansible.builtin.debug:
    msg: "{{ item.family }} is {{ item.license_status.name }}"
  loop: "{{ licensing.products | rejectattr('license_status.name', 'equalto', 'Licensed') }}"
  loop_control:
    label: "{{ item.sku_id }}"
"""

RETURN = r"""
changed:
  description: Always false; nothing is changed.
  returned: always
  type: bool
  sample: false
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
  description: Number of commands sent to the host (always 1).
  returned: always
  type: int
  sample: 1
products:
  description:
    - Licensing products of the applications in O(applications) that have a key installed,
      Windows SPP products first, then the Office Software Protection Platform (osppsvc) ones.
  returned: success
  type: list
  elements: dict
  contains:
    sku_id:
      description: The product's SKU ID (CIM property C(ID)), lower case.
      type: str
      sample: 8d368fc1-9470-4be2-8d66-90e836cbb051
    name:
      description: The product's name as Windows reports it.
      type: str
      sample: Office 24, Office24ProPlus2024VL_KMS_Client_AE edition
    description:
      description: The product's description; it names the channel.
      type: str
      sample: Office 24, VOLUME_KMSCLIENT channel
    application:
      description: C(office) or C(windows) (C(other) for an ApplicationID the collection does not know).
      type: str
      sample: office
    application_id:
      description: The product's ApplicationID.
      type: str
      sample: 0ff1ce15-a989-479d-af46-f275c6370663
    license_class:
      description: The CIM class the product was read from.
      type: str
      choices: [SoftwareLicensingProduct, OfficeSoftwareProtectionProduct]
      sample: SoftwareLicensingProduct
    family:
      description:
        - The Office product family, named like the Office Deployment Tool's product IDs
          (product, year, C(Volume) or C(Retail)); null for Windows and unrecognised names.
      type: str
      sample: ProPlus2024Volume
    version:
      description: The Office version (2010, 2013, 2016, 2019, 2021, 2024); null for Windows.
      type: str
      sample: "2024"
    channel:
      description: The channel named in the description.
      type: str
      sample: VOLUME_KMSCLIENT
    kms_client:
      description: True when the product is a KMS client (its description names VOLUME_KMSCLIENT).
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
      description: The last five characters of the installed product key.
      type: str
      sample: GCVGB
    license_status:
      description: The licence status, as code and name (Unlicensed, Licensed, OOBGrace,
        OOTGrace, NonGenuineGrace, Notification, ExtendedGrace).
      type: dict
      sample: {code: 1, name: Licensed}
    license_status_reason:
      description: Why the product is in its status, as HRESULT (0x form) and symbolic name
        when known. 0x4004F040 is informational for a product licensed through KMS.
      type: dict
      sample: {code: "0x4004F040", name: SL_E_VL_INFO_PRODUCT_USER_RIGHT}
    remaining_minutes:
      description: Minutes until the product needs (re)activation (GracePeriodRemaining).
      type: int
      sample: 259200
    remaining_days:
      description: Whole days until the product needs (re)activation; null when a licensed
        product never expires (MAK, retail).
      type: int
      sample: 180
    kms_host:
      description: The KMS host set for this product (KeyManagementServiceMachine); null when
        none is set and DNS auto-discovery is used.
      type: str
      sample: kms.example.edu
    kms_port:
      description: The KMS port set for this product; null when none is set (1688 is used).
      type: int
      sample: 1688
    discovered_kms_host:
      description: The KMS host last found through DNS (C(_vlmcs._tcp) SRV record).
      type: str
      sample: kms.example.edu
    discovered_kms_port:
      description: The port of the KMS host last found through DNS.
      type: int
      sample: 1688
    rearm_count:
      description:
        - Rearms left for the product, C(app) (RemainingAppReArmCount) and C(sku)
          (RemainingSkuReArmCount); each null where Windows does not report it (Windows 7, and
          products of osppsvc). Windows' own count is RV(host.remaining_windows_rearm_count).
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
        - Whose KMS host C(kms_host) is. C(product), the product's own setting (what
          C(state=absent) of office_kms and windows_kms clears); C(service), the service-wide
          setting (C(slmgr /skms) without an Activation ID, or a GPO) that the product shows. Whether Windows shows the service-wide value
          on a product is unconfirmed, so this is decided from the per-SKU registry value under
          C(SoftwareProtectionPlatform\\<AppID>\\<SkuID>) and from a comparison with the service's
          value; null when the product shows no KMS host.
      type: str
      choices: [product, service]
      sample: product
    kms_port_source:
      description: The same for C(kms_port).
      type: str
      choices: [product, service]
      sample: null
    licensed_through:
      description:
        - For a Licensed product, the KMS host it was last activated through, C(kms_host),
          C(kms_port) and C(source), from its licensing events (C(events), the newest exchange that
          activated it) or else from DNS discovery (C(dns),
          DiscoveredKeyManagementServiceMachineName); null when neither tells. A product licensed
          through another KMS host than the one a task sets is activated against it by office_kms and windows_kms.
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
host:
  description: Facts about the host.
  returned: success
  type: dict
  contains:
    computer_name:
      description: The host's NetBIOS computer name.
      type: str
      sample: PC01
    os_caption:
      description: The Windows edition, as Windows words it in its display language.
      type: str
      sample: Microsoft Windows 11 Education
    os_product_type:
      description:
        - C(Win32_OperatingSystem.ProductType) - 1 a Windows client (Work Station), 2 a domain
          controller, 3 a server; null when not reported. The collection tells clients from
          servers by this code, not by the caption, which Windows localises.
      type: int
      sample: 1
    os_version:
      description: The Windows version.
      type: str
      sample: 10.0.22631
    os_build:
      description: The Windows build number.
      type: str
      sample: "22631"
    os_architecture:
      description: The Windows architecture.
      type: str
      sample: 64-bit
    cpu_max_clock_mhz:
      description:
        - The highest maximum clock speed of the host's processors, in MHz.
        - This and the other counts (cores, memory, free disk) are null when Windows did not
          report the figure (on some virtual machines MaxClockSpeed is empty), and the value
          as Windows sent it when that is not a number.
      type: int
      sample: 2904
    cpu_cores:
      description: Physical cores over all processors.
      type: int
      sample: 6
    memory_mb:
      description: Installed physical memory in MB (sum of Win32_PhysicalMemory capacities).
      type: int
      sample: 16384
    system_drive:
      description: The system drive.
      type: str
      sample: "C:"
    system_drive_free_mb:
      description: Free space on the system drive, in MB.
      type: int
      sample: 181000
    utc_now:
      description: The host's clock, in UTC.
      type: str
      sample: "2026-11-25T18:00:00Z"
    clock_skew_seconds:
      description: The host's clock minus the controller's, in seconds. KMS refuses skews over
        four hours (0xC004F06C).
      type: int
      sample: 0
    client_machine_id:
      description: The licensing service's ClientMachineID. Cloned machines that share one are
        counted once by the KMS host.
      type: str
      sample: 3f0c6a3e-5f0b-4b7e-9b1e-0d6c1a2b0001
    ospp_client_machine_id:
      description: The Office Software Protection Platform's ClientMachineID, where that
        service exists (Office 2010, Office on Windows 7); null elsewhere.
      type: str
      sample: null
    remaining_windows_rearm_count:
      description: Windows' rearms left (SoftwareLicensingService.RemainingWindowsReArmCount). An
        image at 0 cannot be rearmed again.
      type: int
      sample: 1001
    service_kms_host:
      description: A KMS host set service-wide on the Windows licensing service (as
        C(slmgr /skms) without an Activation ID does); null when none is. Windows products use it
        before DNS.
      type: str
      sample: null
office:
  description: Office installations found in the registry.
  returned: success
  type: list
  elements: dict
  contains:
    type:
      description: C(ClickToRun) or C(MSI).
      type: str
      sample: ClickToRun
    name:
      description: Display name (MSI installs); null for Click-to-Run.
      type: str
      sample: Microsoft Office Professional Plus 2016
    version:
      description: Installed version.
      type: str
      sample: 16.0.17932.20162
    bitness:
      description: C(x64) or C(x86).
      type: str
      sample: x64
    product_ids:
      description: Click-to-Run product IDs, or the MSI uninstall key name.
      type: list
      elements: str
      sample: [ProPlus2024Volume, VisioPro2024Volume]
    subscription:
      description: True for Microsoft 365 Apps (subscription) installs, which KMS does not manage.
      type: bool
      sample: false
    kms_managed:
      description: True when the install holds volume products (Click-to-Run C(*Volume) IDs),
        false when it holds none; null for MSI installs (see RV(products)).
      type: bool
      sample: true
kms_reachability:
  description:
    - Result of the TCP connection test from the host to O(kms_host); without O(kms_host), to
      the KMS hosts the host's DNS publishes (RV(dns_discovery)), the first that accepted a
      connection, else the first published (RV(kms_reachability.source) C(dns)); null when
      that cannot be told (no C(Resolve-DnsName) on the host).
  returned: success
  type: dict
  contains:
    kms_host:
      description: The KMS host tried.
      type: str
      sample: kms.example.edu
    kms_port:
      description: The port tried.
      type: int
      sample: 1688
    connect_timeout:
      description: Seconds the host waited.
      type: float
      sample: 5.0
    reachable:
      description: Whether the TCP connection opened.
      type: bool
      sample: true
    error:
      description: Why it did not (as Windows words it); null when reachable.
      type: str
      sample: No connection could be made because the target machine actively refused it
    address:
      description:
        - The address that answered (IPv4 or IPv6, as the host resolved the name); null when
          none did. The host resolves the name itself and tries each address with a socket
          of that address's family, so an IPv6-only KMS host is reachable too.
      type: str
      sample: 2001:db8::10
    source:
      description: C(kms_host) (the host given) or C(dns) (what the host's DNS publishes).
      type: str
      sample: kms_host
kms_exchanges:
  description:
    - The KMS exchanges the host's licensing events record, newest first, from the newest 40
      events of each licensing provider (Microsoft-Windows-Security-SPP; for Office 2010 and
      Office on Windows 7 the Office Software Protection Platform Service). Read in the same
      remote call. Empty when none are logged or the log cannot be read.
    - Windows logs event 12288 when it sends a request to a KMS host and 12289 when it has the
      KMS host's answer; a request without an answer (RV(kms_exchanges[].answered) false) means
      the KMS host was not reached or did not answer.
  returned: success
  type: list
  elements: dict
  contains:
    time:
      description: When the request was sent (event 12288), UTC.
      type: str
      sample: "2026-11-30T10:02:11Z"
    provider:
      description: The event provider (Windows' licensing service, or osppsvc's event source).
      type: str
      sample: Microsoft-Windows-Security-SPP
    kms_host:
      description: The KMS host the request went to.
      type: str
      sample: kms.campus.example
    kms_port:
      description: Its port.
      type: int
      sample: 1688
    activation_id:
      description: The Activation ID (SKU ID) of the product that asked, lower case.
      type: str
      sample: 8d368fc1-9470-4be2-8d66-90e836cbb051
    required_count:
      description: The count the product needs from the KMS host (N-policy; 5 for Office and
        Windows Server, 25 for Windows clients).
      type: int
      sample: 5
    answered:
      description: Whether an answer (event 12289) followed the request.
      type: bool
      sample: true
    answered_at:
      description: When the answer was logged, UTC; absent when none came.
      type: str
      sample: "2026-11-30T10:02:12Z"
    hresult:
      description: The KMS host's answer, 0x form (C(0x00000000) is success); null when no answer came.
      type: str
      sample: "0xC004F038"
    error_name:
      description: The HRESULT's symbolic name, when known.
      type: str
      sample: SL_E_VL_NOT_ENOUGH_COUNT
    activated:
      description: Whether the KMS host activated the product; null when no answer came.
      type: bool
      sample: false
    kms_count:
      description: The KMS host's current count, as it reported it.
      type: int
      sample: 3
dns_discovery:
  description:
    - What the host's own DNS publishes for KMS, looked up in the same remote call as a KMS client
      looks, C(_vlmcs._tcp) in the lookup domain when one is set (C(slmgr /skms-domain)), else in
      each domain of the host's DNS suffix search list, else in its primary DNS suffix and then each
      connection's own suffix, in that order, until one has SRV records; null when O(kms_host) is
      given.
  returned: success
  type: dict
  contains:
    query:
      description: The name that answered, or the last one asked when none did.
      type: str
      sample: _vlmcs._tcp.campus.example
    tried:
      description: The names asked before RV(dns_discovery.query) that gave no SRV record, in
        order, each with C(query), C(error_code) and C(error).
      type: list
      elements: dict
      sample: [{query: _vlmcs._tcp.students.campus.example, error_code: "0x8007232B",
                error: "_vlmcs._tcp.students.campus.example : DNS name does not exist"}]
    status:
      description:
        - C(published), C(not_published) (the name does not exist or has no SRV record,
          0x8007232B), C(failed) (the lookup itself failed), or C(unknown) where the host has no
          C(Resolve-DnsName) (Windows 7 and Server 2008 R2).
      type: str
      sample: published
    records:
      description: The KMS hosts published, by priority, each with C(kms_host), C(kms_port),
        C(priority), C(weight), and C(reachable) / C(error) when a TCP connection was tested
        (null when not tested).
      type: list
      elements: dict
      sample: [{kms_host: kms.campus.example, kms_port: 1688, priority: 0, weight: 0, reachable: true, error: null}]
    error_code:
      description: The lookup's HRESULT when it found nothing.
      type: str
      sample: "0x8007232B"
    error_name:
      description: Its symbolic name, when known.
      type: str
      sample: DNS_ERROR_RCODE_NAME_ERROR
    error:
      description: The lookup's error as Windows words it, or why the answer is unknown.
      type: str
      sample: "_vlmcs._tcp.annex.campus.example : DNS name does not exist"
msg:
  description: What failed, on which host and at which step, and what to do.
  returned: failure
  type: str
  sample: "Failed to inspect pc01 (step: read licensing products (Software Protection service)): Access denied. 0x80070005
    E_ACCESSDENIED: access denied. Connect with an account that is a local administrator ..."
error_code:
  description: The HRESULT that Windows returned, in 0xC004F074 form, when there was one.
  returned: failure
  type: str
  sample: "0x80070005"
error_name:
  description: The HRESULT's symbolic name, when known.
  returned: failure
  type: str
  sample: E_ACCESSDENIED
error_hint:
  description: What to do about the HRESULT, when known, or about a reply that was not the
    script's JSON document.
  returned: failure
  type: str
  sample: Connect with an account that is a local administrator on the host.
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
"""
