// Public API of the e2e harness (see README.md in this folder).
export { ensureImages, GATEWAY_IMAGE, TESTHOST_IMAGE } from './images.js';
export { createTopology } from './topology.js';
export type { Role, Topology, TopologyOptions } from './topology.js';
export { listRunResources, RUN_LABEL } from './docker.js';
export type { ExecResult } from './container.js';
export { waitFor } from '../../testing/wait.js';
export { connectOutcome, curlEcho, curlServer, startEchoServer } from './probes.js';
export type { ConnectOutcome, CurlOptions, EchoReply, HttpProbe } from './probes.js';
export { Operator, OPERATOR_GATEWAY, OPERATOR_INSTANCE, operatorCommand } from './operator.js';
export type { Manifest } from './operator.js';
export {
  curlViaProxy,
  gatewayProcessAlive,
  gatewayProxy,
  killSquid,
  loggedUrlIs,
  parseAccessLogLine,
  parseProxyCurl,
  ProxyDownload,
  proxyCurlArgs,
  readAccessLog,
  runningSquidPid,
  SQUID_ACCESS_LOG,
  SQUID_PID_FILE,
  squidPid,
  waitForSquidRestart,
} from './proxy.js';
export type { AccessLogEntry, ProxyCurlOptions, ProxyCurlResult, ProxyEndpoint } from './proxy.js';
export { startEchoHost, startExtraHost, startFakeAwsEndpoint } from './extra-host.js';
export type { ExtraHost, ExtraHostOptions } from './extra-host.js';
export { StreamWatcher } from './stream.js';
export type { StreamSample, StreamSummary, StreamTls } from './stream.js';
export { CLUSTER_REGION, createCluster } from './cluster.js';
export type { Cluster, ClusterOptions, MemberSpec } from './cluster.js';
export { effectiveHolder, LeaseSampler, readLease } from './lease-sampler.js';
export type { SampledTerm } from './lease-sampler.js';
export {
  httpGet,
  httpsGet,
  LOGGING_PORT,
  receivedRequests,
  REQUEST_LOG,
  startTlsServers,
  TLS_NAMES,
  TLS_PORT,
} from './tls-server.js';
