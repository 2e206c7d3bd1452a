import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { CommandIDs } from "../../src/commands.js";
import { PROXY_NAME } from "../../src/urls.js";

const extensionDir = path.resolve(__dirname, "..", "..");
const readme = fs.readFileSync(path.join(extensionDir, "README.md"), "utf8");
const proxySource = fs.readFileSync(path.join(extensionDir, "kitelab_jupyterlab", "proxy.py"), "utf8");

describe("README.md stays true to the code", () => {
  it("lists exactly the commands the extension registers", () => {
    const listed = [...readme.matchAll(/^\| `(kitelab:[a-z-]+)` \|/gm)].map((match) => match[1]);
    assert.deepEqual(listed.sort(), Object.values(CommandIDs).sort());
  });

  it("names the proxy path and the token header the Python side uses", () => {
    assert.match(proxySource, new RegExp(`^PROXY_NAME = "${PROXY_NAME}"$`, "m"));
    const header = /^TOKEN_HEADER = "([^"]+)"$/m.exec(proxySource)?.[1];
    assert.ok(header, "proxy.py defines TOKEN_HEADER");
    assert.ok(readme.includes(header), `README mentions ${header}`);
    assert.ok(readme.includes(`<base_url>${PROXY_NAME}/`));
  });

  it("states the start timeout the proxy really uses", () => {
    const seconds = /^START_TIMEOUT_SECONDS = (\d+)/m.exec(proxySource)?.[1];
    assert.ok(seconds && readme.includes(`${seconds} s start`), `README says ${seconds} s start timeout`);
  });
});
