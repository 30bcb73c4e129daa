/**
 * The sealed destination configurations of a store, as a whole: checked (and older clear ones sealed) at
 * start, and re-sealed under a new key by `aftercall secrets rotate`.
 */
import type { Database } from "../store/database.js";
import { SecretBox } from "./secret-box.js";

/**
 * Open every stored configuration with `box`, failing loudly when one was sealed with another key, and
 * seal the ones an older version stored in clear (each update guarded by its old value, so servers
 * starting together cannot overwrite each other).
 * @returns how many were sealed now, and how many were sealed already.
 * @throws SecretKeyError naming both key ids when the store was sealed with another key.
 */
export async function prepareStoredSecrets(
  db: Database,
  box: SecretBox,
): Promise<{ sealed: number; checked: number }> {
  const rows = await db.all<{ id: string; config: string }>("SELECT id, config FROM destinations");
  let sealed = 0;
  let checked = 0;
  for (const row of rows) {
    const text = String(row.config);
    if (SecretBox.isSealed(text)) {
      box.open(text);
      checked++;
      continue;
    }
    await db.run("UPDATE destinations SET config = ? WHERE id = ? AND config = ?", [
      box.seal(text),
      row.id,
      text,
    ]);
    sealed++;
  }
  return { sealed, checked };
}

/**
 * Re-seal every stored configuration from `from` to `to` in one transaction (all or nothing); clear ones
 * are sealed too. Stop the servers first: a server still running with the old key cannot read what this
 * writes.
 * @returns how many configurations were re-sealed.
 * @throws SecretKeyError when `from` cannot open one of them (nothing is written then).
 */
export async function rotateStoredSecrets(db: Database, from: SecretBox, to: SecretBox): Promise<number> {
  const rows = await db.all<{ id: string; config: string }>("SELECT id, config FROM destinations");
  const writes = rows.map((row) => {
    const text = String(row.config);
    const plain = SecretBox.isSealed(text) ? from.open(text) : text;
    return {
      sql: "UPDATE destinations SET config = ? WHERE id = ? AND config = ?",
      params: [to.seal(plain), row.id, text],
      expectChanges: 1,
    };
  });
  if (writes.length > 0) await db.atomically(writes);
  return writes.length;
}
