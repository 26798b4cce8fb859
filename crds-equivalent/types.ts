/** A kind's definition: the single place its name, paths, schema and CLI columns are declared. */
/** node: every instance reconciles its own host; cluster / az: only the holder of that lease scope acts. */
export type KindScope = 'node' | 'cluster' | 'az';

export interface PrinterColumn {
  name: string;
  /** Dotted path into the resource view ({ name, generation, spec }), e.g. 'spec.mode'. */
  path: string;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  /** Lower-case aliases accepted by `csgw get` (singular, short names). */
  aliases: readonly string[];
  scope: KindScope;
  /** When set, only this resource name is valid (one per gateway). */
  singletonName?: string;
  /** Stored as an SSM SecureString; the CLI never prints its values. */
  secret?: boolean;
  /** The spec's JSON Schema (schemas/<kind>.schema.json): one ajv schema for the operator and `csgw apply`. */
  schema: object;
  printerColumns: readonly PrinterColumn[];
  /**
   * The resource `csgw run --bootstrap-defaults` creates when the kind has none, so an appliance does its base job
   * (outbound NAT) with no configuration. Written without Overwrite: it never replaces a user's resource.
   */
  bootstrap?: { name: string; spec: Record<string, unknown> };
  /** Example manifest, written in docs and accepted by `csgw apply`. */
  example: { kind: string; name: string; spec: Record<string, unknown> };
}
