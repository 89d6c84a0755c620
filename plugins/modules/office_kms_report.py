#!/usr/bin/python
# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the work is done on the controller by the action
# plugin of the same name (plugins/action/office_kms_report.py).

DOCUMENTATION = r"""
---
module: office_kms_report
short_description: Write a fleet report (JSON, CSV, HTML) from office_kms_info results
version_added: 0.2.0
description:
  - "Turns the registered results of M(volume_licensing.kms.office_kms_info), one per host, into
    three files on the B(controller), in O(dest) (created when missing):
    C(kms-report.json) (machine-readable, versioned schema),
    C(kms-report.csv) (one row per host and product, a header row, RFC 4180 quoting, UTF-8 with
    a byte order mark so spreadsheets read it as UTF-8) and C(kms-report.html) (one
    self-contained page with summary counts, a chart of days of activation left and a sortable
    table; no external asset, works offline). C(docs/report.md) in the collection documents
    every key of the JSON document and every CSV column."
  - "Puts every host into exactly one outcome, the first that applies:
    C(unreachable) (no connection, or no result recorded for the host);
    C(failed) (the info task failed on the host);
    C(no_kms_office) (no Office product that is a KMS client: no Office, Microsoft 365 Apps
    only, MAK or retail only);
    C(not_activated) (an Office KMS product is not Licensed);
    C(expiring) (every Office KMS product is Licensed, one has fewer than O(expiring_days)
    days left: the rule M(volume_licensing.kms.office_kms) applies with C(renew_below_days));
    C(activated)."
  - "Flags what needs attention across hosts: hosts sharing a ClientMachineID (cloned without
    sysprep; the KMS host counts them as one client, so small pilots stall at 0xC004F038),
    hosts whose clock is more than O(max_clock_skew_seconds) off the controller's (KMS refuses
    skews over four hours, 0xC004F06C), Office KMS products whose activation lapses within
    O(expiring_days) days, hosts that could not reach the KMS host, products a KMS host
    refused for a low count (0xC004F038) or for lack of a host key (0xC004F042), naming that
    KMS host, sites whose DNS publishes no KMS host, and installations with no rearm left."
  - "Says why a product is not activated, from the host's own licensing events
    (M(volume_licensing.kms.office_kms_info) reads them): the last KMS exchange, the KMS host
    that answered, its count, and the HRESULT with what to do."
  - Runs on the controller only and contacts no Windows host. Use it once per play
    (C(run_once=true), C(delegate_to=localhost)), after the info task registered its result on
    every host with C(ignore_unreachable=true) and C(ignore_errors=true), so that no host is
    silently left out.
options:
  results:
    description:
      - The registered M(volume_licensing.kms.office_kms_info) result of each host, as a
        dictionary from inventory host name to result, for example built from
        C(ansible_play_hosts_all) and C(hostvars).
      - A host whose value is empty or not a dictionary is reported C(unreachable).
    type: dict
    required: true
  hosts:
    description:
      - Every host the report must list, normally C(ansible_play_hosts_all). A host named here
        but missing from O(results) is reported C(unreachable), never dropped.
      - Defaults to the hosts of O(results).
    type: list
    elements: str
  dest:
    description:
      - Directory on the controller to write C(kms-report.json), C(kms-report.csv) and
        C(kms-report.html) into; created when missing. Existing files of those names are
        replaced.
      - A relative path is taken from the current directory of C(ansible-playbook) (where the
        user runs it; the project directory in AWX), never from the playbook's directory, so a
        playbook run from an installed collection does not write inside the collection.
      - Defaults to C(reports) in the current directory.
    type: path
  expiring_days:
    description:
      - A Licensed Office KMS product with fewer than this many whole days of activation left
        is flagged, and its host is C(expiring). 0 to 180 (a KMS activation lasts 180 days).
      - This and O(max_clock_skew_seconds), given as text, take only ASCII digits (C(1e1),
        C(+10) or full-width digits are refused, not converted); nothing is written then.
    type: int
    default: 30
  max_clock_skew_seconds:
    description:
      - A host whose clock differs from the controller's by more than this many seconds, either
        way, is flagged. KMS itself refuses more than four hours (14400).
    type: int
    default: 3600
  kms_host:
    description:
      - The KMS host the info task tested reachability against, recorded in the report's
        settings. It is not contacted.
    type: str
  kms_hosts:
    description:
      - The organisation's KMS hosts, reported beside their clients (RV(kms_hosts)) - inventory
        host name to its registered M(volume_licensing.kms.kms_host_info) result. A host with an
        empty result is reported unreachable.
      - A client's failure is traced to a KMS host by the host's own record of the client's
        request (event 12290, by the client's machine ID), else by the name the client's last
        request went to (see O(kms_host_names)).
    type: dict
    default: {}
  kms_host_names:
    description:
      - Per KMS host of O(kms_hosts), the other names its clients know it by (a DNS alias such
        as C(kms.campus.example)); its inventory name and computer name always count.
    type: dict
    default: {}
  language:
    description:
      - The language of the report's words - headings, outcome and status words, reasons, hints
        and dates - in the HTML and the CSV, and of the reasons, hints and labels in the JSON
        (RV(volume_licensing.kms.office_kms_report#module:summary) keeps its English keys).
        V(en) English, V(zh-TW) Traditional Chinese as used in Taiwan (Microsoft's zh-TW terms,
        such as 啟用 and KMS 主機).
      - The JSON keys, the CSV column names and the codes in them (C(outcome), C(error_code),
        flag names, C(license_status_code)) are the same in every language; the reasons are
        composed from those codes, so every reason is translated. Each host's C(message) keeps
        the module's own English message.
      - The translations are a gettext catalog compiled when the collection is built; a
        checkout needs C(make locale) first, and the task fails naming it when the catalog is
        missing.
    type: str
    default: en
    choices: [en, zh-TW]
attributes:
  check_mode:
    support: full
    description: >-
      In check mode nothing is written and no directory is created; the summary, flags and
      paths are returned, and RV(changed) says whether the files would change.
  diff_mode:
    support: none
    description: Returns no diff.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller, whatever the managed hosts are.
notes:
  - The files are rewritten on every run (outside check mode), so the report always carries
    the time of this run. RV(changed) is true when a file was missing or the fleet's state as
    the report classifies it differs from the previous C(kms-report.json) (outcomes, reasons,
    flags, products and days left); the generation time and the exact clock skew in seconds
    are left out of that comparison, so a second run over an unchanged fleet reports C(ok).
  - The HTML page carries a Content-Security-Policy that allows only its own inline style and
    script; every value taken from a host is HTML-escaped. CSV text cells that start with
    C(=), C(+), C(-), C(@), their full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20), a tab or a
    carriage return are prefixed with an apostrophe so that spreadsheets show them as text.
seealso:
  - module: volume_licensing.kms.office_kms_info
author:
  - volume_licensing.kms contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Read the licensing state of every host, keeping every host in the report
  volume_licensing.kms.office_kms_info:
    kms_host: kms.example.edu
  register: licensing
  ignore_unreachable: true
  ignore_errors: true

- name: Write the fleet report on the controller
  volume_licensing.kms.office_kms_report:
    results: "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars, 'licensing') | map('default', {}))) }}"
    hosts: "{{ ansible_play_hosts_all }}"
    dest: /srv/reports/office
    expiring_days: 45
    kms_host: kms.example.edu
  run_once: true
  delegate_to: localhost
  register: fleet

- name: Show the fleet summary on the AWX job
  ansible.builtin.set_stats:
    data:
      office_kms_report: "{{ fleet.stats }}"
  run_once: true
"""

RETURN = r"""
changed:
  description: True when a report file was missing or the fleet's state differs from the
    previous report (see the notes); false when only the generation time would change.
  returned: always
  type: bool
  sample: false
dest:
  description: The directory the files are in, normalised.
  returned: success
  type: str
  sample: /srv/reports/office
paths:
  description: The three files (in check mode, where they would be).
  returned: success
  type: dict
  contains:
    json:
      description: The machine-readable report (schema in docs/report.md).
      type: str
      sample: /srv/reports/office/kms-report.json
    csv:
      description: One row per host and product.
      type: str
      sample: /srv/reports/office/kms-report.csv
    html:
      description: The self-contained page to open in a browser.
      type: str
      sample: /srv/reports/office/kms-report.html
schema:
  description: The version of the JSON document's schema (the C(schema) key of kms-report.json).
  returned: success
  type: int
  sample: 1
summary:
  description: Counts over the fleet, as in the JSON document.
  returned: success
  type: dict
  contains:
    hosts:
      description: Hosts in the report.
      type: int
      sample: 20
    outcomes:
      description: Hosts per outcome; every outcome is present, with 0 when no host has it.
      type: dict
      sample: {activated: 1, expiring: 1, not_activated: 12, unreachable: 1, failed: 0, no_kms_office: 3}
    flagged:
      description: Hosts per flag (a host can carry several flags).
      type: dict
      sample: {shared_client_machine_id: 2, clock_skew: 1, expiring: 1, kms_unreachable: 0}
    failed_hosts:
      description: Hosts whose outcome is C(failed).
      type: list
      elements: str
      sample: []
    unreachable_hosts:
      description: Hosts whose outcome is C(unreachable).
      type: list
      elements: str
      sample: [pc20-lab]
    kms_hosts:
      description: KMS hosts reported (O(kms_hosts)); 0 without any.
      type: int
      sample: 1
flags:
  description:
    - What needs attention across the fleet, by kind; each kind is present, with an empty
      list when nothing was found.
  returned: success
  type: dict
  contains:
    shared_client_machine_id:
      description: Groups of hosts that report the same ClientMachineID, each with
        C(client_machine_id), C(service) (C(spp), or C(ospp) for the Office 2010 service) and
        C(hosts).
      type: list
      elements: dict
      sample: [{client_machine_id: 9d4c1b2a-7e6f-4a3b-8c2d-1e0f9a8b7c6d, service: spp, hosts: [pc13-clone-a, pc14-clone-b]}]
    clock_skew:
      description: Hosts whose clock is off by more than O(max_clock_skew_seconds), each with
        C(host), C(clock_skew_seconds) (host minus controller) and C(refused_by_kms) (over four hours).
      type: list
      elements: dict
      sample: [{host: pc15-clock-skew, clock_skew_seconds: 18000, refused_by_kms: true}]
    expiring:
      description: Licensed Office KMS products with fewer than O(expiring_days) days left,
        each with C(host), C(product), C(sku_id) and C(remaining_days).
      type: list
      elements: dict
      sample: [{host: pc08-expiring, product: ProPlus2024Volume, sku_id: 8d368fc1-9470-4be2-8d66-90e836cbb051, remaining_days: 10}]
    kms_unreachable:
      description: Hosts that could not open a TCP connection to the KMS host (or to any KMS
        host their DNS publishes), each with C(host) and C(error).
      type: list
      elements: dict
      sample: []
    kms_count_low:
      description: Products not activated whose last KMS exchange was refused for a low count
        (0xC004F038), each with C(host), C(product), C(sku_id), C(kms_host), C(kms_port),
        C(kms_count) (what the KMS host counts) and C(required_count) (what the product needs).
      type: list
      elements: dict
      sample: [{host: pc31, product: ProPlus2024Volume, sku_id: 8d368fc1-9470-4be2-8d66-90e836cbb051,
                kms_host: kms-new.campus.example, kms_port: 1688, kms_count: 3, required_count: 5}]
    kms_host_lacks_key:
      description: Products not activated whose KMS host holds no host key for them
        (0xC004F042), each with C(host), C(product), C(sku_id), C(kms_host) and C(kms_port).
      type: list
      elements: dict
      sample: []
    no_dns_record:
      description: Per DNS name asked (one per site's DNS domain), the C(hosts) whose DNS
        publishes no KMS host, with C(query).
      type: list
      elements: dict
      sample: [{query: _vlmcs._tcp.annex.campus.example, hosts: [pc33]}]
    rearms_exhausted:
      description: Windows or Office products with no rearm left, each with C(host),
        C(product) (C(Windows) for Windows' own count) and C(count) (the property that is 0).
      type: list
      elements: dict
      sample: []
kms_hosts:
  description:
    - "One entry per KMS host of O(kms_hosts), by host name - C(host), C(outcome) (C(ok),
      C(unreachable), C(failed)), C(message) and C(error_code) when it could not be read;
      otherwise C(computer_name), C(is_kms_host), C(host_keys) (each C(application),
      C(office_version), C(name), C(partial_key), C(activated)), C(office_volume_license_packs)
      (version to installed), C(current_count), C(activates) (C(office), C(windows_server),
      C(windows_clients) - whether the count reaches each threshold), C(listening_port),
      C(dns_publishing), C(firewall_open), C(requests) (the request counters), C(clients_seen)
      (distinct clients in its request log)."
    - "C(traced_failures) - the clients' failures this host explains, grouped by reason and
      product, each C(reason) (C(count_low), C(no_host_key), C(host_not_activated),
      C(clock_skew) or C(refused)), C(error_code), C(error_name), C(product) (C(Office 2024),
      C(Windows)), C(clients) (host names) and C(text), for example C(4 Office 2024 client(s)
      refused: kms01 counted 1-4 clients, needs 5; it counts 10 now, enough: they activate at
      their next attempt)."
  returned: success
  type: list
  elements: dict
  sample: [{host: kms01, outcome: ok, is_kms_host: true, current_count: 4,
            activates: {office: false, windows_server: false, windows_clients: false},
            traced_failures: [{reason: count_low, error_code: "0xC004F038", error_name: SL_E_VL_NOT_ENOUGH_COUNT,
                               product: Office 2024, clients: [pc01, pc02, pc03, pc04],
                               text: "4 Office 2024 client(s) refused: kms01 counted 1-4 clients, needs 5; it counts 4 now"}]}]
stats:
  description:
    - The fleet summary to publish with M(ansible.builtin.set_stats) (AWX shows it on the
      job) - the number of hosts, one count per outcome, C(failed_hosts),
      C(unreachable_hosts) and C(flagged).
  returned: success
  type: dict
  sample:
    hosts: 20
    activated: 1
    expiring: 1
    not_activated: 12
    unreachable: 1
    failed: 0
    no_kms_office: 3
    failed_hosts: []
    unreachable_hosts: [pc20-lab]
    flagged: {shared_client_machine_id: 2, clock_skew: 1, expiring: 1, kms_unreachable: 0, kms_count_low: 0,
                kms_host_lacks_key: 0, no_dns_record: 0, rearms_exhausted: 0}
msg:
  description: What failed (an invalid option, or a file that could not be written) and what to do.
  returned: failure
  type: str
  sample: "Failed to write the report under /srv/reports/office: [Errno 13] Permission denied"
"""
