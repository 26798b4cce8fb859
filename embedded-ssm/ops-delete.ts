// DeleteParameter, DeleteParameters. Deleting removes every version; a later put starts again at 1.
import type { OpContext } from './context.js';
import { parameterNotFound } from './errors.js';
import { reqString, reqStringList } from './input.js';
import { validateName } from './names.js';
import type { JsonObject } from './types.js';

export async function deleteParameter(ctx: OpContext, body: JsonObject): Promise<JsonObject> {
  const name = reqString(body, 'Name');
  validateName(name);
  return ctx.store.exclusive(async () => {
    if (ctx.store.get(name) === undefined) throw parameterNotFound(name);
    await ctx.store.remove([name], ctx.caller.region);
    return {};
  });
}

export async function deleteParameters(ctx: OpContext, body: JsonObject): Promise<JsonObject> {
  const names = [...new Set(reqStringList(body, 'Names', 10))];
  return ctx.store.exclusive(async () => {
    const deleted = names.filter((name) => ctx.store.get(name) !== undefined);
    const invalid = names.filter((name) => ctx.store.get(name) === undefined);
    await ctx.store.remove(deleted, ctx.caller.region);
    return { DeletedParameters: deleted, InvalidParameters: invalid };
  });
}
