import { StoreError } from "../errors.js";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Encrypts connection passwords and secret-named Variables at rest (AES-256-GCM), so a copy of the store does not
 * leak them. The key comes from `[core] fernet_key` or, when that is empty, from
 * `$KITELAB_HOME/fernet_key` (mode 0600), generated on first start.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(keyText: string) {
    this.key = createHash("sha256").update(keyText).digest();
  }

  static forHome(home: string, configuredKey = ""): SecretBox {
    return new SecretBox(ensureEncryptionKey(home, configuredKey));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return `enc:v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  /** True for a value `seal` produced; anything else is plaintext (for example written by an older Kitelab). */
  static isSealed(value: string): boolean {
    return value.startsWith("enc:v1:");
  }

  open(sealed: string): string {
    if (!SecretBox.isSealed(sealed)) return sealed;
    const data = Buffer.from(sealed.slice("enc:v1:".length), "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key, data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString("utf8");
    } catch {
      throw new StoreError(
        "A connection password or secret Variable cannot be decrypted with this key ([core] fernet_key or KITELAB_HOME/fernet_key changed); set it again",
      );
    }
  }
}

/** True for a value a SecretBox sealed. */
export function isSealed(value: string): boolean {
  return SecretBox.isSealed(value);
}

export function ensureEncryptionKey(home: string, configuredKey = ""): string {
  if (configuredKey) return configuredKey;
  const path = join(home, "fernet_key");
  if (existsSync(path)) {
    // A key file others can read (copied with another mode, written by an older Kitelab) is made private.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return readFileSync(path, "utf8").trim();
  }
  mkdirSync(home, { recursive: true });
  const key = randomBytes(32).toString("base64url");
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}

/**
 * What to tell the user when airflow.cfg holds a fernet_key that other users can read, or
 * undefined. Airflow keeps the key there too; Kitelab says when that makes it anyone's.
 */
export function fernetKeyExposure(configPath: string): string | undefined {
  if (!existsSync(configPath)) return undefined;
  const mode = statSync(configPath).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  if (!/^\s*fernet_key\s*=\s*\S/m.test(readFileSync(configPath, "utf8"))) return undefined;
  return `${configPath} holds [core] fernet_key and other users can read it (mode ${mode.toString(8)}): run chmod 600 ${configPath}, or move the key to the environment (KITELAB__CORE__FERNET_KEY)`;
}
