/**
 * Base-chain priorities every nft controller agrees on, as the hook/priority map in docs/architecture.md shows. One
 * place, so no controller reads another's names to order its chains.
 */
/** srcnat: after filtering (0) and after any dNAT decisions. */
export const SRCNAT_PRIORITY = 100;
