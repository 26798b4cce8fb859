import azRoutes from './az-routes.schema.json' with { type: 'json' };
import domainFilter from './domain-filter.schema.json' with { type: 'json' };
import elasticIp from './elastic-ip.schema.json' with { type: 'json' };
import firewallPolicy from './firewall-policy.schema.json' with { type: 'json' };
import forwardProxy from './forward-proxy.schema.json' with { type: 'json' };
import portForward from './port-forward.schema.json' with { type: 'json' };
import secret from './secret.schema.json' with { type: 'json' };
import sourceDestCheck from './source-dest-check.schema.json' with { type: 'json' };
import sourceNat from './source-nat.schema.json' with { type: 'json' };

/** JSON Schemas by file name; kinds refer to them through KindDefinition.schemaFile. */
export const schemas: Readonly<Record<string, object>> = {
  'source-nat.schema.json': sourceNat,
  'elastic-ip.schema.json': elasticIp,
  'az-routes.schema.json': azRoutes,
  'source-dest-check.schema.json': sourceDestCheck,
  'port-forward.schema.json': portForward,
  'firewall-policy.schema.json': firewallPolicy,
  'forward-proxy.schema.json': forwardProxy,
  'domain-filter.schema.json': domainFilter,
  'secret.schema.json': secret,
};
