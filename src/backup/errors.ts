/** Stable error codes shared by the engine's callers (CLI exit codes, HTTP status mapping). */
export type BackupErrorCode =
  | 'BUSY' // another operation holds the repository lock
  | 'NOT_FOUND' // unknown backup id, or no backup at the requested time
  | 'INVALID_ARGUMENT' // malformed id, path outside the repository, bad option
  | 'DATABASE_MISSING'
  | 'INTEGRITY_FAILED' // PRAGMA integrity_check did not answer "ok"
  | 'CORRUPT' // a chunk or manifest does not match its hash or is missing
  | 'INCOMPATIBLE' // schema or repository format this build cannot handle
  | 'TARGET_EXISTS' // restore target exists and --force was not given
  | 'PINNED'
  | 'REFUSED' // unsafe right now, e.g. pruning while the newest backup attempt failed
  | 'NO_SPACE'
  | 'IO';

export class BackupError extends Error {
  readonly code: BackupErrorCode;
  constructor(code: BackupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
    this.code = code;
  }
}

/** Turns low-level filesystem errors into messages an operator can act on. */
export function describeIoError(err: unknown, what: string): BackupError {
  if (err instanceof BackupError) return err;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOSPC':
      return new BackupError('NO_SPACE', `${what}: no space left on device`, { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new BackupError('IO', `${what}: permission denied or read-only filesystem (${e.path ?? ''})`, { cause: err });
    default:
      return new BackupError('IO', `${what}: ${e?.message ?? String(err)}`, { cause: err });
  }
}
