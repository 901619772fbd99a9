/**
 * The end of an exhaustive switch over a registry kind (a layer, an optimizer, a schedule):
 * a kind added to the registry but not handled here fails to compile, and a value from
 * outside the types (a hand-edited file) fails loudly instead of passing through.
 */
export function assertNever(value: never, what = 'kind'): never {
  const kind = value && typeof value === 'object' && 'kind' in value ? (value as { kind: unknown }).kind : value;
  throw new Error(`Unknown ${what} "${String(kind)}".`);
}
