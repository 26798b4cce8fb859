// haproxy.cfg as a handlebars template, kept in a TS module because the build (tsc) copies no asset files. The view
// (render.ts) holds only pre-formatted, checked strings: the template decides the order of directives, never the
// syntax of a value. HAProxy 2.6 (Debian bookworm) syntax.
export const HAPROXY_CFG_TEMPLATE = `# Rendered by csgw from the TlsTermination resources: edits here are overwritten.
global
    # The runtime API: certificates are swapped here (set ssl cert / commit ssl cert), without a reload.
    stats socket {{adminSocket}} mode 600 level admin
{{#if user}}
    user {{user}}
    group {{user}}
{{/if}}
    tune.ssl.default-dh-param 2048

defaults
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout queue 30s
{{#each frontends}}

frontend {{id}}_https
    mode {{mode}}
    bind {{httpsBind}} ssl crt {{certificateFile}} alpn {{alpn}} ssl-min-ver {{minVersion}} ciphers {{ciphers}} ciphersuites {{ciphersuites}}
    timeout client {{clientTimeout}}
{{#if http}}
    # The client's own X-Forwarded-For and Forwarded would be taken for ours by backends: only ours goes on.
    http-request del-header X-Forwarded-For
    http-request del-header Forwarded
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    http-request set-var(txn.host) req.hdr(host),field(1,:),lower
{{/if}}
{{#each acls}}
    acl {{this}}
{{/each}}
{{#each useBackends}}
    use_backend {{this}}
{{/each}}
    default_backend {{id}}_default
{{#if redirect}}

frontend {{id}}_http
    mode http
    bind {{redirect.bind}}
    timeout client {{clientTimeout}}
    # No Host, or an empty one (HTTP/1.0): no https URL to send the client to.
    http-request deny deny_status 400 unless { req.hdr(host) -m len gt 0 }
    http-request redirect code 301 location {{redirect.location}}
{{/if}}
{{#each backends}}

backend {{name}}
    mode {{../mode}}
    balance roundrobin
    timeout connect {{../connectTimeout}}
    timeout server {{../serverTimeout}}
{{#if ../http}}
    timeout tunnel {{../tunnelTimeout}}
{{/if}}
{{#each servers}}
    server {{this}}
{{/each}}
{{/each}}
{{/each}}
`;
