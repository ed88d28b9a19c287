import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ownOrigin, warm, warmOrder } from "@/lib/warm";

describe("warmOrder", () => {
  it("puts the changed page before the lists and leaves the feeds out", () => {
    const paths = ["/", "/atom.xml", "/feed.xml", "/news/", "/news/a-post/"];
    expect(warmOrder(paths)).toEqual(["/news/a-post/", "/news/", "/"]);
  });

  it("drops duplicates and keeps at most `limit` paths", () => {
    expect(warmOrder(["/b/", "/a/", "/b/"], 1)).toEqual(["/a/"]);
    expect(warmOrder([])).toEqual([]);
  });
});

describe("ownOrigin", () => {
  const saved = { HOST: process.env.HOST, PORT: process.env.PORT };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("is server.mjs's own address when it runs there, else the request's origin", () => {
    process.env.HOST = "0.0.0.0";
    process.env.PORT = "3001";
    expect(ownOrigin(new Request("https://news.example/api/revalidate/"))).toBe("http://127.0.0.1:3001");
    delete process.env.PORT;
    expect(ownOrigin(new Request("https://news.example/api/revalidate/"))).toBe("https://news.example");
  });
});

describe("warm", () => {
  it("requests every path in order, and goes on after a failing one", async () => {
    const seen: string[] = [];
    const server = createServer((request: IncomingMessage, response) => {
      seen.push(request.url ?? "");
      response.statusCode = request.url === "/broken/" ? 500 : 200;
      response.end("<p>page</p>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await warm(`http://127.0.0.1:${port}`, ["/news/a/", "/broken/", "/news/"]);
      await warm("http://127.0.0.1:9", ["/unreachable/"], 500);
    } finally {
      server.close();
    }
    expect(seen).toEqual(["/news/a/", "/broken/", "/news/"]);
  });
});
