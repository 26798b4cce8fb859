// suricata.yaml as a handlebars template, kept in a TS module because the build (tsc) copies no asset files.
// The view it is rendered with (render.ts) holds only pre-formatted, checked strings: the template decides the
// keys, never the syntax of a value. Suricata 7.0 syntax; NFQUEUE numbers are command line options, not keys here.
export const SURICATA_YAML_TEMPLATE = `%YAML 1.1
---
# Rendered by csgw: edits here are overwritten.
vars:
  address-groups:
    HOME_NET: "{{homeNet}}"
{{#each addressVars}}
    {{name}}: "{{value}}"
{{/each}}
  port-groups:
{{#each portVars}}
    {{name}}: "{{value}}"
{{/each}}

default-rule-path: {{revisionDir}}
rule-files:
{{#each ruleFiles}}
  - {{this}}
{{/each}}
classification-file: {{classificationFile}}
reference-config-file: {{referenceFile}}
threshold-file: {{revisionDir}}/threshold.config

# Rules are ordered by action first. alert before drop: domain allow rules (alert, noalert) set their flowbit
# before the default drop of a domain allow list checks it on the same packet. pass still goes first.
action-order:
  - pass
  - alert
  - drop
  - reject

default-log-dir: {{logDir}}

stats:
  enabled: yes
  interval: {{statsInterval}}

outputs:
  - eve-log:
      enabled: yes
      filetype: regular
      filename: {{logDir}}/eve.json
      types:
        # No payload, packet, app-layer metadata or HTTP body: prompts and credentials must not land in logs.
        - alert:
            payload: no
            payload-printable: no
            packet: no
            metadata: no
            http-body: no
            http-body-printable: no
            tagged-packets: no
        - drop:
            alerts: yes
            flows: start
        - stats:
            totals: yes
            threads: no
            deltas: no

logging:
  default-log-level: notice
  outputs:
    - console:
        enabled: yes
        level: warning
    - file:
        enabled: yes
        level: info
        filename: {{logDir}}/suricata.log
    - syslog:
        enabled: no

# The daemon runs in the foreground under the supervisor: no pid file; the socket takes reload-rules.
unix-command:
  enabled: yes
  filename: {{runDir}}/suricata.socket

runmode: workers
host-mode: router

nfq:
  mode: accept
  # yes: the kernel accepts packets while the queue is full instead of dropping them.
  fail-open: {{failOpen}}
{{#if bypass.enabled}}
  # A bypassed flow's packets leave with this mark; the kernel saves it to conntrack and stops queueing the flow.
  bypass-mark: {{bypass.mark}}
  bypass-mask: {{bypass.mark}}
{{/if}}

# ignore when failing open (a memcap or parser error lets the flow through), auto (drop) when failing closed.
exception-policy: {{exceptionPolicy}}

stream:
  # Flows that were open before a restart are picked up again instead of being dropped.
  midstream: true
  # The veth devices offload checksums: packets arrive with checksums not yet filled in.
  checksum-validation: no
  inline: auto
{{#if bypass.depth}}
  # Past the reassembly depth nothing more is inspected: the flow is bypassed instead of followed.
  bypass: yes
  reassembly:
    depth: {{bypass.depth}}
{{/if}}

app-layer:
  protocols:
    # TLS and HTTP are found by protocol detection on any port; the ports only add probing.
    tls:
      enabled: yes
{{#if bypass.encrypted}}
      # After the handshake (SNI, certificate) only ciphertext is left: stop inspecting, bypass the flow.
      encryption-handling: bypass
{{/if}}
      detection-ports:
        dp: 443
    http:
      enabled: yes
    dns:
      tcp:
        enabled: yes
        detection-ports:
          dp: 53
      udp:
        enabled: yes
        detection-ports:
          dp: 53
    # Off in Suricata unless asked for; on, so every rule file the package ships loads (their ports only).
    modbus:
      enabled: yes
      detection-ports:
        dp: 502
    dnp3:
      enabled: yes
      detection-ports:
        dp: 20000
    enip:
      enabled: yes
      detection-ports:
        dp: 44818
        sp: 44818

detect:
  profile: medium
`;
