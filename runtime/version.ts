import pkg from '../package.json' with { type: 'json' };

/** The operator's version, reported in status so a fleet mid-upgrade can be told apart. */
export const OPERATOR_VERSION: string = pkg.version;
