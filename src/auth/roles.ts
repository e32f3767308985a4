export const ROLES = ['admin', 'operator', 'auditor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What a role may do. Backup operations are for admins only (seed: RBAC, Admin). */
export const PERMISSIONS = {
  'backup:manage': ['admin'],
  'audit:read': ['admin', 'auditor'],
  'incident:read': ['admin', 'operator', 'auditor', 'viewer'],
  'incident:write': ['admin', 'operator'],
  'user:manage': ['admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** Scopes an API token may carry; a token can never do more than its user's role allows. */
export const TOKEN_SCOPES = ['backup', 'audit', 'incidents'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export function scopeFor(permission: Permission): TokenScope | null {
  if (permission.startsWith('backup')) return 'backup';
  if (permission.startsWith('audit')) return 'audit';
  if (permission.startsWith('incident')) return 'incidents';
  return null;
}
