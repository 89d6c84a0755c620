#!/usr/bin/python
# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the work is done on the controller by the action
# plugin of the same name (plugins/action/windows_kms.py), over office_kms's code. The options
# and notes it shares with office_kms are in plugins/doc_fragments/.

DOCUMENTATION = r"""
---
module: windows_kms
short_description: Point Windows at your KMS host and activate it, idempotently
version_added: 0.2.0
description:
  - "The Windows-only entry point of M(volume_licensing.kms.office_kms), over the same code: a
    task of this module is the same as M(volume_licensing.kms.office_kms) with
    C(applications: [windows]), its O(product_key) being the Windows key
    (O(volume_licensing.kms.office_kms#module:windows_product_key)). The options, steps,
    messages and return values are office_kms's for the Windows product."
  - Does for the Windows product itself what C(slmgr.vbs /skms host:port <ActivationID>) then
    C(slmgr.vbs /ato) do by hand, and only where needed. Windows already activated against
    the right KMS host, with more than O(renew_below_days) left, is reported C(ok) and not
    touched.
  - "Three steps, as M(volume_licensing.kms.office_kms): B(inspect) (one remote call: the
    Windows product with a key, how it was last activated, the Windows version), B(plan) (on
    the controller), B(apply) (one remote call: run the steps, re-read the product). A
    compliant host costs one remote call and no contact with the KMS host; a host that needs
    work costs two."
  - "Each step is what C(slmgr.vbs) calls: C(InstallProductKey) on C(SoftwareLicensingService)
    then C(RefreshLicenseStatus); C(SetKeyManagementServiceMachine),
    C(SetKeyManagementServicePort), C(Clear...) and C(Activate) on the Windows
    C(SoftwareLicensingProduct) itself, then C(RefreshLicenseStatus)."
  - "The KMS host and port are set on the Windows product only (as C(slmgr /skms host:port
    <ActivationID>) does), never service-wide and never on Office's products: Office keeps its
    own settings (M(volume_licensing.kms.office_kms)), and the two never disturb each other. A
    service-wide value set by someone else (C(slmgr /skms) without an Activation ID, or a
    policy) stays as it is; a per-product value takes precedence over it on the product it is
    set on."
  - "Windows activated another way is reported in RV(untouched) and left alone: retail, OEM or
    MAK channels (unless O(product_key) is given) and Active Directory-based activation (unless
    O(force) or O(product_key) is given: an AD-activated Windows renews from the domain)."
options:
  product_key:
    description:
      - The Windows key (office_kms's O(volume_licensing.kms.office_kms#module:windows_product_key)).
        V(auto) installs Microsoft's published KMS client key (GVLK) for the installed edition
        and Windows version when the installed key is not a KMS client key, for example to
        convert a MAK install. The collection carries every key of Microsoft's KMS client key
        page (Windows Server 2008 to 2025, Windows Vista to 11 with LTSC/LTSB); an edition it
        cannot tell fails with a message naming it.
      - "Any other value is one product key (five groups of five characters), installed when
        its last five characters differ from the installed key's. It is a secret, which never
        appears in output except as its last five characters."
    type: str
extends_documentation_fragment:
  - volume_licensing.kms.kms_connection
  - volume_licensing.kms.kms_client
seealso:
  - module: volume_licensing.kms.office_kms
  - module: volume_licensing.kms.office_kms_info
  - name: KMS client activation and product keys
    description: Microsoft's published GVLKs for every Windows edition.
    link: https://learn.microsoft.com/windows-server/get-started/kms-client-activation-keys
author:
  - volume_licensing.kms contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Point Windows at the KMS host and activate it where needed
  volume_licensing.kms.windows_kms:
    kms_host: kms.example.edu

- name: Convert MAK installs to KMS with Microsoft's published key for each edition
  volume_licensing.kms.windows_kms:
    kms_host: kms.example.edu
    product_key: auto

- name: Go back to DNS auto-discovery
  volume_licensing.kms.windows_kms:
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
  description: On success, one line with what changed, what was compliant and what was left
    alone; on failure, per failed product what failed on which host, the HRESULT and what to do.
  returned: always
  type: str
  sample: "changed: Windows(R), Education edition"
applications:
  description:
    - The outcome per application, as office_kms returns it
      (RV(volume_licensing.kms.office_kms#module:applications)); here only C(windows).
    - Not returned when the task failed before the host was read and planned (an invalid
      option, an unreachable host, a failed read).
  returned: when the host was read and planned
  type: dict
  sample: {windows: {changed: false, failed: false, msg: "compliant: Windows 11 Education", error_code: null,
                     error_name: null, error_hint: null}}
  contains:
    windows:
      description: Windows' outcome.
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
    - The Windows product with a key, in the shape of
      RV(volume_licensing.kms.office_kms_info#module:products) (after the change), with what was
      done to it.
  returned: when the host was inspected
  type: list
  elements: dict
  contains:
    sku_id:
      description: The product's SKU ID. After a key installation it is the SKU the key belongs to.
      type: str
      sample: e0c42288-980c-4788-a014-c080d2e1926e
    name:
      description: The product's name.
      type: str
      sample: Windows(R), Education edition
    description:
      description: The product's description.
      type: str
      sample: Windows(R) Operating System, VOLUME_KMSCLIENT channel
    application:
      description: Always C(windows).
      type: str
      sample: windows
    application_id:
      description: The product's ApplicationID.
      type: str
      sample: 55c92734-d682-4d71-983e-d6ec3f16059f
    license_class:
      description: The CIM class the product lives in.
      type: str
      sample: SoftwareLicensingProduct
    family:
      description: Null for Windows (Office families only).
      type: str
      sample: null
    version:
      description: Null for Windows (Office versions only).
      type: str
      sample: null
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
        - How the product was last activated (VLActivationType, Windows 8 and later),
          C(ActiveDirectory), C(KMS) or C(Token); null when never activated, and absent on
          Windows 7, which does not report it.
      type: str
      sample: KMS
    ad_activation_object:
      description: The Active Directory activation object of the last AD-based activation, or null.
      type: str
      sample: Windows-KMS-Campus
    partial_key:
      description: Last five characters of the installed key.
      type: str
      sample: VCFB2
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
          products of osppsvc). Windows' own count is RV(remaining_windows_rearm_count).
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
          O(state=absent) clears); C(service), the service-wide setting (C(slmgr /skms) without an
          Activation ID, or a GPO) that the product shows. Whether Windows shows the service-wide value
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
          through another KMS host than O(kms_host) is activated against O(kms_host).
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
               partial_key: VCFB2, license_status: {code: 2, name: OOBGrace}, remaining_days: 30}
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
      sample: "Failed to activate Windows(R), Education edition on pc12: 0xC004F074 ..."
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
  returned: success
  type: int
  sample: 1001
untouched:
  description:
    - Windows products present but left alone (another channel, or activated by Active
      Directory), each with sku_id, family (null), name, application (C(windows)) and the reason.
  returned: when the host was inspected
  type: list
  elements: dict
  sample: [{sku_id: e091b119-5a35-438b-95d5-0e90ea51ef80, family: null, name: "Windows(R), Professional edition",
            application: windows, reason: "VOLUME_MAK channel: not a KMS client (product_key: auto converts it to KMS)"}]
diff:
  description: With C(--diff), per changed product its KMS host, port, key and status before and after.
  returned: with --diff
  type: dict
  sample: {before: "Windows(R), Education edition (e0c42288-...): kms_host=- kms_port=- key=VCFB2 status=OOBGrace\n"}
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
