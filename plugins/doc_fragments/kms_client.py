# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: what the modules that configure and activate KMS clients share,
# office_kms and windows_kms (the Windows-only entry point over the same code: office_kms with
# applications: [windows]). Used with volume_licensing.kms.kms_connection.
#
# Their RETURN stays in each module: ansible-core 2.19, the lowest this collection supports
# (meta/runtime.yml), merges doc fragments into DOCUMENTATION only (ansible-doc fails on a
# RETURN that extends one); 2.20 added RETURN fragments (ansible/ansible#72635).


class ModuleDocFragment:

    DOCUMENTATION = r"""
options:
  state:
    description:
      - V(activated) sets key, KMS host and port on each product the task manages where they
        differ from the product's own (a key only when one is given; an unset port counts as
        1688), and activates the products that are not activated, expire within
        O(renew_below_days), or whose settings just changed. Without O(kms_host), products
        activate against the KMS host already set on them or the one DNS publishes
        (C(_vlmcs._tcp)); nothing is cleared.
      - V(configured) sets key, host and port but never activates and never contacts the KMS
        host (for images that are activated at first boot). It needs O(kms_host) unless a
        product key is given, since there is nothing else to configure.
      - V(absent) clears the products' own KMS host and port (C(ospp.vbs /remhst),
        C(slmgr.vbs /ckms <ActivationID>)), so they go back to DNS auto-discovery. Keys and
        activation are left as they are. A KMS host set service-wide (C(slmgr /skms) without an
        Activation ID, or a GPO) is not a product's own and is left alone, even where Windows
        shows it on the product (RV(products[].kms_host_source)).
    type: str
    choices: [activated, configured, absent]
    default: activated
  renew_below_days:
    description:
      - Activate again a product that is licensed but has fewer days left than this, 0 to 180 (a
        KMS activation lasts 180 days; Windows renews it by itself every 7 days while it can
        reach the KMS host). Given as text, only ASCII digits are taken (C(1e1), C(+10),
        C(10.0) or full-width digits are refused, not converted), as for O(kms_port).
    type: int
    default: 30
  force:
    description:
      - Activate even products that are compliant. A product activated by Active Directory
        (RV(products[].activation_type) C(ActiveDirectory)), otherwise left alone, is then
        activated through KMS.
    type: bool
    default: false
  check_reachable:
    description:
      - Before changing anything on a host that needs activation, test that the host can open
        a TCP connection (over IPv4 or IPv6) to O(kms_host):O(kms_port). If it cannot, the host
        fails with C(0xC004F074) and a hint (VPN, DNS, port), and nothing is changed. Only done
        when something activates. The inspect call already resolves O(kms_host) on the host
        (without connecting, so a compliant host contacts no KMS host), and a name that does
        not resolve there fails the host without a second remote call.
      - When the connection opens but activation still ends in C(0xC004F074), the message says
        that the KMS host accepted the connection and did not answer (its Software Protection
        service, or a device in between), which is not a network problem.
      - When O(kms_host) is omitted, the products find their KMS host through DNS on the host
        itself (C(_vlmcs._tcp)). The inspect call then looks the record up with the host's own
        resolver, where a KMS client looks (its lookup domain, C(slmgr /skms-domain), when one
        is set; else the host's DNS suffix search list; else its primary DNS suffix, then each
        connection's suffix), and tests a connection to each KMS host published; when a
        product that would use DNS (no KMS host of its own, and for Windows none set
        service-wide) needs activation, the host fails before anything is changed with
        C(0x8007232B) DNS_ERROR_RCODE_NAME_ERROR when DNS publishes no KMS host, or
        C(0xC004F074) when none of those published accepts a connection. Where the host cannot
        look SRV records up (no C(Resolve-DnsName), as on Windows 7 and Server 2008 R2) Windows
        is left to try.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Only the inspect call is made; RV(products[].steps) lists what would be done.
  diff_mode:
    support: full
    description: Shows before and after of KMS host, port, key (last five characters) and status per product.
notes:
  - "Failure messages name the host, the product, the step, the HRESULT and what to do.
    The ones an operator meets most:"
  - "C(0xC004F074) SL_E_VL_BINDING_SERVICE_UNAVAILABLE: no KMS host could be contacted. Check
    the VPN (off campus), DNS for the KMS host name, and TCP 1688 from the host."
  - "C(0xC004F038) SL_E_VL_NOT_ENOUGH_COUNT: the KMS host has not yet counted enough clients
    (5 for Office and for Windows Server, 25 client PCs for Windows). Add clients; machines
    cloned without sysprep share a ClientMachineID and count once."
  - "C(0xC004F042) SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH: that KMS host cannot activate
    this Office or Windows version; it needs the version's Volume License Pack and host key."
  - "C(0xC004F06C) SL_E_VL_INVALID_TIMESTAMP: the host's clock is too far off; synchronise it."
  - "C(0xC004F050) SL_E_INVALID_PRODUCT_KEY / C(0xC004F069) SL_E_MISMATCHED_PRODUCT_SKU: the
    key is mistyped or belongs to a product that is not installed."
  - "C(0xC004F025) SL_E_LUA_ACCESSDENIED at a step (install the product key, set the KMS host,
    activate): the account may read licensing data but not change it. Connect with a local
    administrator account (for a local account over WinRM, remote UAC filtering applies:
    C(LocalAccountTokenFilterPolicy))."
  - "Failures of the first call name the step (C(read licensing products (Software Protection
    service)), or C(read Office licensing products (Office Software Protection service,
    osppsvc)) for Office 2010 and Office on Windows 7) and nothing is changed on the host:
    C(0x80070005) E_ACCESSDENIED (the account may not read licensing data: connect with a
    local administrator account); C(0x80070422) ERROR_SERVICE_DISABLED (the Software
    Protection service, sppsvc, is disabled: set it back to Automatic (Delayed Start));
    C(0x80041010) WBEM_E_INVALID_CLASS (the licensing WMI classes are not registered: run
    C(mofcomp %WinDir%\\System32\\wbem\\sppwmi.mof), or C(ospp.vbs /regmof) for Office 2010,
    or repair Windows)."
  - "C(the host's reply was not the JSON document the executor prints: it was cut short or
    garbled): the connection cut or altered the reply. Run the task again; if it keeps
    happening, check the WinRM connection (proxies, security software) and what writes to the
    console on the host."
  - "C(PowerShell stopped before it printed a result) followed by PowerShell's own error: fix
    what it reports; the collection needs PowerShell 3.0 or later (Windows 7: WMF 3.0 or
    later)."
  - "C(Windows reported an error without an error code) at a step: the call failed but Windows
    gave no HRESULT. It counts as a failure, never as success; run the task again and check the
    licensing service on the host if it persists."
  - "C(Failed to apply the plan on HOST): the second call failed as a whole. Some steps may
    have been done; run the task again: it reads the host afresh and does only what is still
    needed."
  - "Each product's steps run in order and stop at the first failure; the steps already done
    stay done and are reported C(ok) (RV(changed) is true), the rest C(not run)."
  - "When one product fails and another succeeds, the task fails, RV(products) shows each with
    its steps (C(changed) for the one, C(error_code) for the other), RV(applications) each
    application's outcome, and the next run retries only what failed."
  - "Invalid option ... Nothing was sent: a bad value (a state, a product, a key, a port, a host
    name) is refused on the controller before anything reaches the host."
"""
