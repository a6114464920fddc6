/** Receipt signatures (LEDGER-SIGN). */

import { createHmac } from "node:crypto";
import { stableStringify } from "../utils/stableStringify.ts";

export class HmacSha256Signer {
  readonly keyId: string;
  readonly #secret: Uint8Array;

  constructor(args: { keyId: string; secret: Uint8Array }) {
    if (!(args.secret instanceof Uint8Array)) throw new TypeError("HmacSha256Signer: secret must be a Uint8Array");
    this.keyId = args.keyId;
    this.#secret = Uint8Array.from(args.secret); // a copy: the caller may reuse its buffer
  }

  /** base64url without padding of HMAC-SHA256(secret, UTF-8 of stableStringify(payload)). */
  async sign(payload: unknown): Promise<string> {
    return createHmac("sha256", this.#secret).update(stableStringify(payload), "utf8").digest("base64url");
  }
}
