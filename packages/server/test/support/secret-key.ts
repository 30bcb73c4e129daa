/**
 * The secret key of test servers on PostgreSQL (a SQLite store keeps its own `secret.key` in its data
 * directory). Fixed, so several servers on one database share it as production servers must.
 */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString("base64");
