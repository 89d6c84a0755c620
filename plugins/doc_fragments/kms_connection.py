# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: what every module that contacts hosts shares (office_kms, windows_kms,
# office_kms_info). The options are checked as plugins/plugin_utils/options.py checks them
# (connection(), kms_host(), tcp_port(), timeout_seconds()), identically in each module; what a
# module does with the KMS host is said in that module's own documentation.


class ModuleDocFragment:

    DOCUMENTATION = r"""
options:
  kms_host:
    description:
      - DNS name or IP address of the organisation's KMS host.
      - Omitted, the KMS hosts are those the host's own DNS publishes under C(_vlmcs._tcp),
        looked up where a KMS client looks (RV(dns_discovery)).
      - The value is checked in the form the host is sent and RV(kms_host) returns. An IP
        address is returned in its canonical form, an IPv6 literal without brackets
        (C([2001:DB8::10]) is returned as C(2001:db8::10)); the licensing service is given it in
        brackets, as C(slmgr.vbs /skms) writes it, and the connection test the bare address. A
        DNS name keeps its ASCII labels as given (an A-label, C(xn--...), must be a valid IDNA
        2008 one). Every other label is mapped as Unicode's UTS 46 maps it, nontransitional
        (upper case folded, full-width letters, digits and full stops and other compatibility
        forms written plainly, so that full-width KMS.example is sent as C(kms.example)), checked
        against IDNA 2008 (RFC 5891, RFC 5892 with its CONTEXTJ and CONTEXTO rules, RFC 5893's
        bidi rule, which every label of a name with a right-to-left label keeps) and written as
        its A-label. Such a name needs the Python package C(idna) on the controller (the
        collection's C(requirements.txt)); plain ASCII names do not.
      - Refused before anything is sent, with a message that says why, are spaces, quotes and
        other characters that cannot be part of a host name (a compatibility character that
        maps to none, with the name to write instead where there is one), a label IDNA 2008
        does not allow, a label that mixes scripts such as Latin with Cyrillic or Greek (Latin
        may go with Chinese, Japanese or Korean), an IP address written in full-width digits,
        and a label with sharp s, final sigma or a zero width joiner or non-joiner, which IDNA
        2008 (browsers, DNS registries) and IDNA 2003 (Windows' own conversion) write
        differently. Give such a label as the A-label your DNS server lists (the message shows
        both forms).
    type: str
  kms_port:
    description:
      - TCP port of the KMS host, 1 to 65535; a product with no port of its own uses 1688. Given
        as text, only ASCII digits are taken; C(1e3), C(+1688) or full-width digits are refused,
        not converted. Returned in RV(kms_port).
    type: int
    default: 1688
  connect_timeout:
    description:
      - Seconds the host waits for a test TCP connection to a KMS host before it counts that KMS
        host unreachable, from 0.1 to 300, in whole milliseconds as the host is sent them;
        V(2.0004) is sent as 2000 ms and returned as C(2.0) in RV(connect_timeout). Given as
        text, ASCII digits with an optional decimal point.
    type: float
    default: 5
attributes:
  platform:
    support: full
    platforms: windows
    description: Targets Windows hosts, reached over WinRM.
notes:
  - The connecting account must be a local administrator on the host. C(become) is not
    applied to the commands this module sends.
  - Needs PowerShell 3.0 or later on the host.
"""
