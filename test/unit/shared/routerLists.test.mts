import type { IExecuteFunctions } from "n8n-workflow";
import { describe, expect, it } from "vitest";

import { runEach } from "../../../nodes/shared/bulk";
import { invalidField } from "../../../nodes/shared/errors";
import { listOf, textList } from "../../../nodes/shared/lists";
import { route } from "../../../nodes/shared/router";
import { fakeContext } from "../../helpers/fakeContext.mts";

describe("listOf and textList", () => {
  it("split comma-separated text, trimmed, without empty entries", () => {
    expect(listOf(" a, b ,,c ")).toEqual(["a", "b", "c"]);
    expect(textList("12, 13")).toEqual(["12", "13"]);
  });
  it("keep arrays, make one value a list of one, and nothing an empty list", () => {
    expect(listOf([1, " x "])).toEqual([1, " x "]);
    expect(textList([1, " x ", ""])).toEqual(["1", "x"]);
    expect(listOf(7)).toEqual([7]);
    expect(listOf(undefined)).toEqual([]);
    expect(listOf(null)).toEqual([]);
    expect(listOf("")).toEqual([]);
  });
});

describe("route", () => {
  const ran: string[] = [];
  const operations = {
    profile: {
      update: {
        async execute(this: IExecuteFunctions, api: string) {
          ran.push(`update with ${api}`);
          return [[{ json: { api } }]];
        },
      },
    },
  };

  it("runs the operation the node is set to with the client connect built", async () => {
    let connects = 0;
    const ctx = fakeContext({
      params: { resource: "profile", operation: "update" },
      items: [{ json: {} }],
    });
    const out = await route(
      ctx,
      operations,
      async () => `client ${++connects}`,
    );
    expect(out).toEqual([[{ json: { api: "client 1" } }]]);
    expect(ran).toEqual(["update with client 1"]);
  });

  it("refuses an operation it does not know, inherited names included, before connecting", async () => {
    for (const [resource, operation] of [
      ["profile", "delete"],
      ["audience", "update"],
      ["profile", "toString"],
      ["constructor", "name"],
    ]) {
      const ctx = fakeContext({
        params: { resource, operation },
        items: [{ json: {} }],
      });
      await expect(
        route(ctx, operations, async () => {
          throw new Error("connected");
        }),
      ).rejects.toThrow(
        `The operation "${operation}" of "${resource}" is not supported`,
      );
    }
  });

  it("returns no items for no input without connecting", async () => {
    const ctx = fakeContext({
      params: { resource: "profile", operation: "update" },
      items: [],
    });
    expect(
      await route(ctx, operations, async () => {
        throw new Error("connected");
      }),
    ).toEqual([[]]);
  });
});

describe("runEach", () => {
  it("validates every item first, sends one request each, keeps per-key order, one result per item", async () => {
    const ctx = fakeContext({
      items: [0, 1, 2, 3].map((n) => ({ json: { n } })),
      continueOnFail: true,
    });
    const sent: number[] = [];
    const [out] = await runEach(ctx, {
      prepare: (i) => {
        if (i === 2) throw invalidField(ctx.getNode(), 2, "n", "bad");
        return i;
      },
      keys: () => ["same profile"],
      concurrency: 4,
      requestName: "The test request",
      send: async (payload) => {
        sent.push(payload);
        if (payload === 3) throw new Error("refused");
        return { n: payload };
      },
    });
    expect(sent).toEqual([0, 1, 3]);
    expect(out.map((item) => item.json.error ?? item.json.n)).toEqual([
      0,
      1,
      'Item 2, field "n": bad',
      "Item 3: The test request failed. refused",
    ]);
    expect(out.map((item) => item.pairedItem)).toEqual(
      [0, 1, 2, 3].map((item) => ({ item })),
    );
  });
});
