import { randomBytes } from "node:crypto";

/**
 * Upstream tags every API answer with a zerolog/xid request id: 12 bytes (seconds, machine, pid,
 * counter) in lowercase base32hex, 20 characters, e.g. `d4fb6k0lsa3c73bq4ad0`.
 */
const ALPHABET = "0123456789abcdefghijklmnopqrstuv";
const machine = randomBytes(3);
let counter = randomBytes(3).readUIntBE(0, 3);

export function newRequestId(): string {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(Date.now() / 1000) >>> 0, 0);
  machine.copy(bytes, 4);
  bytes.writeUInt16BE(process.pid & 0xffff, 7);
  counter = (counter + 1) & 0xffffff;
  bytes.writeUIntBE(counter, 9, 3);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
