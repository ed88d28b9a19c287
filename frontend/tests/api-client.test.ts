import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, client } from "@/lib/api";
import { DEFAULT_API_TIMEOUT_MS, apiTimeoutMs } from "@/lib/config";

let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((request, response) => {
    const delay = request.url?.includes("slow") ? 400 : 0;
    setTimeout(() => {
      response.setHeader("Content-Type", "application/json");
      response.end(JSON.stringify({ ok: true }));
    }, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
});

afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

describe("API fetch timeout", () => {
  it("is deliberate: 10 s by default, NEWSROOM_API_TIMEOUT_MS overrides it", () => {
    const saved = process.env.NEWSROOM_API_TIMEOUT_MS;
    delete process.env.NEWSROOM_API_TIMEOUT_MS;
    expect(DEFAULT_API_TIMEOUT_MS).toBe(10_000);
    expect(apiTimeoutMs()).toBe(10_000);
    process.env.NEWSROOM_API_TIMEOUT_MS = "2500";
    expect(apiTimeoutMs()).toBe(2500);
    process.env.NEWSROOM_API_TIMEOUT_MS = "nonsense";
    expect(apiTimeoutMs()).toBe(10_000);
    if (saved === undefined) delete process.env.NEWSROOM_API_TIMEOUT_MS;
    else process.env.NEWSROOM_API_TIMEOUT_MS = saved;
  });

  it("a slow answer within the timeout is served", async () => {
    const { data } = await client(base, 5000).GET("/api/v3/ping", { params: { query: { slow: "1" } as never } });
    expect(data).toEqual({ ok: true });
  });

  it("an answer slower than the timeout becomes an ApiError with status 0", async () => {
    const call = client(base, 100).GET("/api/v3/ping", { params: { query: { slow: "1" } as never } });
    await expect(call).rejects.toBeInstanceOf(ApiError);
    await expect(client(base, 100).GET("/api/v3/ping", { params: { query: { slow: "1" } as never } })).rejects.toMatchObject({ status: 0 });
  });
});
