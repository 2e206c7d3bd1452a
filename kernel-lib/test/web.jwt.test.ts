import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signAccessToken, TOKEN_LIFETIME_SECONDS, verifyAccessToken } from "../src/web/jwt.js";

describe("access tokens (POST /auth/token's JWTs)", () => {
  const issued = new Date("2026-01-01T00:00:00Z");
  const token = signAccessToken("key-1", "student", issued);

  it("are JWTs whose claims name the user and a 24-hour lifetime", () => {
    const [header, payload] = token.split(".");
    assert.deepEqual(JSON.parse(Buffer.from(header!, "base64url").toString()), { alg: "HS256", typ: "JWT" });
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    assert.equal(claims.sub, "student");
    assert.equal(claims.exp - claims.iat, TOKEN_LIFETIME_SECONDS);
  });

  it("verify with the key that signed them until they expire", () => {
    assert.equal(verifyAccessToken("key-1", token, new Date("2026-01-01T23:59:59Z"))?.sub, "student");
    assert.equal(verifyAccessToken("key-1", token, new Date("2026-01-02T00:00:00Z")), undefined);
  });

  it("refuse another key, a changed payload and garbage", () => {
    assert.equal(verifyAccessToken("key-2", token, issued), undefined);
    const [header, , signature] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ sub: "admin", iat: 0, exp: 9e9, iss: "kitelab" })).toString(
      "base64url",
    );
    assert.equal(verifyAccessToken("key-1", `${header}.${forged}.${signature}`, issued), undefined);
    assert.equal(verifyAccessToken("key-1", "not-a-token", issued), undefined);
    assert.equal(verifyAccessToken("key-1", `${header}.e30.`, issued), undefined);
  });
});
