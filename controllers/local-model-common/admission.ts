import type { ConflictCheck } from '../../runtime/resource-admission.js';
import { servedNameOf, type LocalModelSpec } from './spec.js';

const SERVED_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Why a LocalModel cannot join those admitted before it: its served name or its port is taken. Both controllers
 * (LocalModel runs the servers, AiGateway routes to them) admit with this check, so they agree on who won.
 */
export const localModelConflicts: ConflictCheck<LocalModelSpec> = (candidate, admitted) => {
  // The resource name names the model's directory too: it must not be `.` or `..`.
  if (!/^[A-Za-z0-9]/.test(candidate.name))
    return `the name ${JSON.stringify(candidate.name)} must start with a letter or digit`;
  const name = servedNameOf(candidate.name, candidate.spec);
  if (!SERVED_NAME.test(name))
    return `spec.servedName: required, as the resource name ${JSON.stringify(candidate.name)} is not a served model name (letters, digits, . _ -)`;
  const sameName = admitted.find((a) => servedNameOf(a.name, a.spec) === name);
  if (sameName) return `spec.servedName: local/${name} is already served by LocalModel/${sameName.name}`;
  const samePort = admitted.find((a) => a.spec.port === candidate.spec.port);
  if (samePort) return `spec.port: ${candidate.spec.port} is already used by LocalModel/${samePort.name}`;
  return undefined;
};
