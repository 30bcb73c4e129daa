/**
 * A random (version 4) UUID. `crypto.randomUUID` exists only in secure contexts, so plain-HTTP pages
 * fall back to the same layout filled from `crypto.getRandomValues`.
 */
export function uuid(): string {
  return (
    crypto.randomUUID?.() ??
    "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (+c ^ ((crypto.getRandomValues(new Uint8Array(1))[0] as number) & (15 >> (+c / 4)))).toString(16),
    )
  );
}

/** Now as RFC 3339 in UTC, the form `clientTime` takes. */
export const now = (): string => new Date().toISOString();
