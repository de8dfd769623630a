// Test-time bridge to independent age implementations, driven by tests/sops_age_pq.rs:
// typage (npm `age-encryption`, by age's author) and the C2SP CCTV age test vectors (npm
// `cctv-age`, the vectors the Go reference tests itself against). Installed into target/ by
// tests/support/get-age-interop.sh; nothing here or there is committed but this file and the pins.
//
//   node age-interop.mjs keygen               -> {"identity": "AGE-SECRET-KEY-PQ-1…", "recipient": "age1pq1…"}
//   node age-interop.mjs encrypt RECIPIENT    stdin: bytes     -> stdout: armored age file
//   node age-interop.mjs decrypt              stdin: armored   -> stdout: bytes (identity in $AGE_IDENTITY)
//   node age-interop.mjs vectors DIR PREFIX   writes every CCTV vector whose name starts with PREFIX to DIR
import * as age from "age-encryption";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const [cmd, ...args] = process.argv.slice(2);
const stdin = () => new Uint8Array(readFileSync(0));

switch (cmd) {
  case "keygen": {
    const identity = await age.generateHybridIdentity();
    const recipient = await age.identityToRecipient(identity);
    process.stdout.write(JSON.stringify({ identity, recipient }) + "\n");
    break;
  }
  case "encrypt": {
    const e = new age.Encrypter();
    e.addRecipient(args[0]);
    process.stdout.write(age.armor.encode(await e.encrypt(stdin())));
    break;
  }
  case "decrypt": {
    const d = new age.Decrypter();
    d.addIdentity(process.env.AGE_IDENTITY);
    const armored = new TextDecoder().decode(stdin());
    process.stdout.write(await d.decrypt(age.armor.decode(armored)));
    break;
  }
  case "vectors": {
    const vectors = await import("cctv-age");
    const [dir, prefix] = args;
    mkdirSync(dir, { recursive: true });
    let n = 0;
    for (const [name, bytes] of Object.entries(vectors)) {
      if (name === "default" || !name.startsWith(prefix)) continue;
      writeFileSync(join(dir, name), bytes);
      n++;
    }
    process.stdout.write(`${n}\n`);
    break;
  }
  default:
    process.stderr.write(`unknown command ${cmd}\n`);
    process.exit(2);
}
