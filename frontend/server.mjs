// The production server: Next.js's own request handler (what `next start` runs), with reader
// pages served as complete HTML without the client runtime (server/static-pages.mjs).
//
//   HOST=127.0.0.1 PORT=3000 node server.mjs      (after `next build`)
//
// Why: every page is server-rendered and needs no JavaScript, but Next.js always sends its
// runtime (~110 KB compressed) and hydrates the whole page; on a phone that is most of the
// main thread's work before the page responds (Lighthouse's Total Blocking Time).
import { createServer } from "node:http";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { encodeBody, servesStaticHtml, withoutClientRuntime } from "./server/static-pages.mjs";

const hostname = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT || 3000);

/**
 * Hold the whole answer Next.js writes, then send it once: the HTML without the client
 * runtime, compressed here (the request's Accept-Encoding is taken away from Next.js so it
 * hands over plain bytes).
 * @param {import("node:http").IncomingMessage} request
 * @param {import("node:http").ServerResponse} response
 */
function serveStaticHtml(request, response) {
  const acceptEncoding = String(request.headers["accept-encoding"] ?? "");
  delete request.headers["accept-encoding"];
  const original = {
    write: response.write,
    end: response.end,
    writeHead: response.writeHead,
    flushHeaders: response.flushHeaders,
  };
  /** @type {Buffer[]} */
  const chunks = [];
  let finishing = false;
  const collect = (/** @type {unknown} */ chunk, /** @type {unknown} */ encoding) => {
    if (chunk === undefined || chunk === null || typeof chunk === "function") return;
    const text = typeof encoding === "string" ? /** @type {BufferEncoding} */ (encoding) : "utf8";
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(/** @type {string} */ (chunk), text));
  };

  // Headers are kept on the response (not sent) until the body is final.
  response.writeHead = /** @type {any} */ (function (status, ...rest) {
    if (finishing) return original.writeHead.call(this, status, ...rest);
    this.statusCode = status;
    const headers = rest.find((item) => typeof item === "object" && item !== null);
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(headers[i], headers[i + 1]);
    } else if (headers) {
      for (const [name, value] of Object.entries(headers)) if (value !== undefined) this.setHeader(name, value);
    }
    return this;
  });
  response.flushHeaders = function () {
    if (finishing) original.flushHeaders.call(this);
  };
  response.write = /** @type {any} */ (function (chunk, encoding, callback) {
    if (finishing) return original.write.call(this, chunk, encoding, callback);
    collect(chunk, encoding);
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") process.nextTick(done);
    return true;
  });
  response.end = /** @type {any} */ (function (chunk, encoding, callback) {
    if (finishing) return original.end.call(this, chunk, encoding, callback);
    collect(chunk, encoding);
    const done = [chunk, encoding, callback].find((item) => typeof item === "function");
    finishing = true;
    let body = Buffer.concat(chunks);
    const type = String(this.getHeader("content-type") ?? "");
    if (type.startsWith("text/html")) body = Buffer.from(withoutClientRuntime(body.toString("utf8")));
    if (body.length && this.statusCode !== 204 && this.statusCode !== 304) {
      const encoded = encodeBody(body, type, acceptEncoding);
      if (encoded.encoding) this.setHeader("Content-Encoding", encoded.encoding);
      const vary = String(this.getHeader("vary") ?? "");
      this.setHeader("Vary", vary ? `${vary}, Accept-Encoding` : "Accept-Encoding");
      this.removeHeader("Transfer-Encoding");
      this.setHeader("Content-Length", encoded.body.length);
      body = encoded.body;
    }
    return original.end.call(this, body, done);
  });
}

const app = next({ dev: false, hostname, port, dir: dirname(fileURLToPath(import.meta.url)) });
const handle = app.getRequestHandler();
await app.prepare();
createServer((request, response) => {
  if (servesStaticHtml(request)) serveStaticHtml(request, response);
  void handle(request, response);
}).listen(port, hostname, () => {
  console.log(`Newsroom frontend on http://${hostname}:${port}`);
});
