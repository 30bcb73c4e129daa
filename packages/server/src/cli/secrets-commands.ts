/**
 * `aftercall secrets rotate --new-key-file <file>`: re-seal every stored destination secret under a new
 * key, in one transaction. Stop the servers first, then start them with the new key.
 */
import type { Command } from "commander";
import { loadConfig } from "../config.js";
import { SecretBox } from "../secrets/secret-box.js";
import { loadSecretBox, readOrCreateKeyFile } from "../secrets/secret-key.js";
import { rotateStoredSecrets } from "../secrets/stored-secrets.js";
import type { Database } from "../store/database.js";

interface StoreOptions {
  dataDir?: string;
  databaseUrl?: string;
}

export interface SecretsCliTools {
  storeOptions(command: Command): Command;
  withStore<T>(options: StoreOptions, fn: (db: Database) => Promise<T>): Promise<T>;
}

export function registerSecretsCommands(program: Command, t: SecretsCliTools): void {
  const secrets = program.command("secrets").description("The key that seals destination secrets at rest.");
  t.storeOptions(
    secrets
      .command("rotate")
      .description(
        "Re-seal every stored destination secret with a new key (the file is created, 0600, when missing). " +
          "Stop the servers first; then start them with AFTERCALL_SECRET_KEY_FILE pointing at the new file " +
          "(or move it over the old one).",
      )
      .requiredOption("--new-key-file <file>", "the new key file (base64 of 32 bytes; created if missing)"),
  ).action((o: StoreOptions & { newKeyFile: string }) =>
    t.withStore(o, async (db) => {
      const overrides: Record<string, string> = {};
      if (o.dataDir) overrides.AFTERCALL_DATA_DIR = o.dataDir;
      const source = loadConfig(process.env, overrides).secretKey;
      if (!source) throw new Error("no secret key configured");
      const current = loadSecretBox(source);
      const next = new SecretBox(readOrCreateKeyFile(o.newKeyFile).key);
      const count = await rotateStoredSecrets(db, current.box, next);
      process.stderr.write(
        `Re-sealed ${count} destination configuration(s): key ${current.box.keyId} (${current.origin}) → ` +
          `${next.keyId} (${o.newKeyFile}).\nStart the servers with AFTERCALL_SECRET_KEY_FILE=${o.newKeyFile} ` +
          "(or move that file over the old one).\n",
      );
    }),
  );
}
