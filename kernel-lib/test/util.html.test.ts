import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { escapeHtml } from "../src/util/html.js";
import { escapeHtml as mailEscape } from "../src/notify/index.js";
import { escapeHtml as notebookEscape } from "../src/notebook/display.js";

describe("escapeHtml, the one HTML escaper", () => {
  it("escapes the five characters that matter in content and quoted attributes", () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  it("shows any value, and nothing for null or undefined", () => {
    assert.equal(escapeHtml(42), "42");
    assert.equal(escapeHtml(undefined), "");
    assert.equal(escapeHtml(null), "");
  });

  it("is the same function for mails and notebook views", () => {
    assert.equal(mailEscape, escapeHtml);
    assert.equal(notebookEscape, escapeHtml);
  });
});

describe("normalizeBaseUrl, the one base-URL rule (web app and standalone alike)", () => {
  it("reduces every spelling of a prefix to /path/, and a full URL to its path", async () => {
    const { normalizeBaseUrl } = await import("../src/web/app.js");
    for (const [given, expected] of [
      ["", "/"],
      ["/", "/"],
      ["x", "/x/"],
      ["/user/alice/kitelab", "/user/alice/kitelab/"],
      ["//user//alice/", "/user/alice/"],
      ["https://hub.example.org/user/alice/kitelab/", "/user/alice/kitelab/"],
    ] as const)
      assert.equal(normalizeBaseUrl(given), expected, given);
  });
});
