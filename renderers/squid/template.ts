// squid.conf as a handlebars template, kept in a TS module because the build (tsc) copies no asset files.
// The view it is rendered with (render.ts) holds only pre-formatted, checked strings: the template decides the
// order of directives, never the syntax of a value. Squid 5.7 (Debian bookworm) syntax.
export const SQUID_CONF_TEMPLATE = `# Rendered by csgw from the ForwardProxy spec: edits here are overwritten.
http_port {{listen}}
visible_hostname csgw
cache_effective_user {{user}}
pid_filename {{pidFile}}
cache_log {{logDir}}/cache.log
# Native format: the operator parses this log. Cache manager requests (the operator's health probe) are not traffic.
access_log stdio:{{logDir}}/access.log squid !manager
# Log files are never renamed by squid; the supervisor owns rotation.
logfile_rotate 0
pinger_enable off
shutdown_lifetime 2 seconds
coredump_dir {{cacheDir}}

# all, localhost, manager and CONNECT are predefined by squid 5.
acl csgw_clients src {{clientCidrs}}
acl csgw_safe_ports port {{safePorts}}
acl csgw_connect_ports port {{connectPorts}}

http_access allow localhost manager
http_access deny manager
# safe ports bound plain requests, connect ports bound tunnels: a CONNECT needs only the latter.
http_access deny !CONNECT !csgw_safe_ports
http_access deny CONNECT !csgw_connect_ports
http_access deny !csgw_clients
{{#if auth}}

auth_param basic program /usr/lib/squid/basic_ncsa_auth {{auth.htpasswd}}
auth_param basic realm {{auth.realm}}
auth_param basic children 5 startup=1 idle=1
# A reload keeps verified credentials until this expires: a removed user or changed password takes effect within it.
auth_param basic credentialsttl 1 minute
acl csgw_users proxy_auth REQUIRED
http_access deny !csgw_users
{{/if}}
{{#if denyAcls.length}}

{{#each denyAcls}}
acl {{name}} {{type}} {{flags}} "{{file}}"
{{/each}}
{{#each denyAcls}}
http_access deny {{name}}
{{/each}}
{{/if}}

{{#if allowList}}
# An allow list is referenced: only the destinations on it pass.
{{#each allowAcls}}
acl {{name}} {{type}} {{flags}} "{{file}}"
{{/each}}
{{#each allowAcls}}
http_access allow {{name}}
{{/each}}
http_access deny all
{{else}}
# No allow list: every destination not denied above passes (clients are restricted above).
http_access allow all
{{/if}}

{{#if cache}}
cache_mem {{cache.memoryMb}} MB
# Above any cache_dir: a cache_dir takes the object size limit in force where it is read.
maximum_object_size {{cache.maxObjectSizeKb}} KB
maximum_object_size_in_memory {{cache.inMemoryKb}} KB
{{#if cache.dir}}
cache_dir ufs {{cache.dir}}
{{/if}}
{{else}}
# Caching off: nothing is stored and no memory is set aside for it.
cache deny all
cache_mem 0 MB
{{/if}}
{{#if bandwidth}}

# Class 3: one bucket per client address; only the individual bucket is limited.
delay_pools 1
delay_class 1 3
delay_parameters 1 -1/-1 -1/-1 {{bandwidth.restore}}/{{bandwidth.burst}}
delay_access 1 allow csgw_clients
delay_access 1 deny all
{{/if}}
`;
