// What testcontainers 11 has no API for, done with the Docker client it
// already holds (getContainerRuntimeClient(), so its DOCKER_HOST / runtime
// discovery applies): bridge networks with an explicit subnet, a driver
// option and our label (its Network class takes none of these), and listing
// or force-removing everything that carries a run's label.
import { getContainerRuntimeClient, getReaper, LABEL_TESTCONTAINERS_SESSION_ID } from 'testcontainers';
import type Dockerode from 'dockerode';

/** Label put on every container and network, value = the run id. */
export const RUN_LABEL = 'csgw.e2e.run';

/** testcontainers' own dockerode instance. */
export async function dockerode(): Promise<Dockerode> {
  return (await getContainerRuntimeClient()).container.dockerode;
}

export async function createNetwork(name: string, subnet: string, gateway: string, runId: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  // Same session label as testcontainers' Network: Ryuk, when enabled, reaps it too.
  const { sessionId } = await getReaper(client);
  await client.network.create({
    Name: name,
    Driver: 'bridge',
    CheckDuplicate: true,
    IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: gateway }] },
    // The host has bridge-nf-call-iptables=1: Docker's MASQUERADE rule would
    // otherwise rewrite test traffic and hide what the gateway's NAT did.
    Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
    Labels: { [RUN_LABEL]: runId, [LABEL_TESTCONTAINERS_SESSION_ID]: sessionId },
  });
}

export async function listRunResources(runId: string): Promise<{ containers: string[]; networks: string[] }> {
  const docker = await dockerode();
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] });
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id) };
}

/**
 * Force-removes every container, then every network, labelled with this run
 * id: the safety net for what testcontainers does not track (networks, a
 * container created but never started).
 */
export async function removeRun(runId: string): Promise<void> {
  const docker = await dockerode();
  const { containers, networks } = await listRunResources(runId);
  await Promise.all(containers.map((id) => docker.getContainer(id).remove({ force: true, v: true })));
  await Promise.all(networks.map((id) => docker.getNetwork(id).remove()));
}
