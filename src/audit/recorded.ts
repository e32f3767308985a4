/** Errors already in the audit trail, so that a caller further up does not record them twice. */
const recorded = new WeakSet<object>();

export function markRecorded<E extends object>(err: E): E {
  recorded.add(err);
  return err;
}

export function isRecorded(err: unknown): boolean {
  return typeof err === 'object' && err !== null && recorded.has(err);
}
