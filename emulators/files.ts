/**
 * Files a platform emulator holds for the bot to download, served the way the platform serves them:
 * the bytes with the platform's Content-Type (and length), the credential the platform checks, 404 for
 * what is gone. A file can be set to fail its next downloads (a 502, as a CDN hiccup) or to be answered
 * with an HTML login page (Slack without `files:read`). Every download is recorded with its headers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** One file on the shelf. */
export interface ShelfFile {
  readonly id: string;
  readonly bytes: Uint8Array;
  /** The Content-Type the platform serves it with. */
  readonly contentType: string;
  /** Downloads still to fail with a 502. */
  failures: number;
  /** Served as an HTML login page with 200 (Slack, when the app may not read files). */
  loginPage: boolean;
}

/** A download the bot made. */
export interface Download {
  readonly id: string;
  readonly status: number;
  readonly authorization: string | undefined;
}

export interface AddFileOptions {
  /** The Content-Type served. @default application/octet-stream */
  readonly contentType?: string;
  /** Downloads that fail with a 502 before one succeeds. @default 0 */
  readonly failures?: number;
  /** Served as an HTML login page instead. @default false */
  readonly loginPage?: boolean;
}

export interface FileShelf {
  add(bytes: Uint8Array | string, options?: AddFileOptions): ShelfFile;
  get(id: string): ShelfFile | undefined;
  /** Downloads so far, oldest first. */
  readonly downloads: readonly Download[];
  /** Serves file `id` to `req`, when `authorized` says its credential is right (else 401). */
  serve(
    id: string,
    req: IncomingMessage,
    res: ServerResponse,
    authorized?: (authorization?: string) => boolean,
  ): void;
  reset(): void;
}

/** A shelf whose file ids start with `prefix`. */
export function fileShelf(prefix: string): FileShelf {
  const files = new Map<string, ShelfFile>();
  const downloads: Download[] = [];
  let next = 0;
  return {
    add(bytes, options = {}) {
      const file: ShelfFile = {
        id: `${prefix}${++next}`,
        bytes: typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes,
        contentType: options.contentType ?? "application/octet-stream",
        failures: options.failures ?? 0,
        loginPage: options.loginPage ?? false,
      };
      files.set(file.id, file);
      return file;
    },
    get: (id) => files.get(id),
    downloads,
    serve(id, req, res, authorized = () => true) {
      const authorization = req.headers.authorization;
      const file = files.get(id);
      const answer = (
        status: number,
        headers: Record<string, string | number>,
        body: Uint8Array | string,
      ) => {
        downloads.push({ id, status, authorization });
        res.writeHead(status, headers);
        res.end(body);
      };
      if (!authorized(authorization)) return answer(401, { "content-type": "text/plain" }, "Unauthorized");
      if (!file) return answer(404, { "content-type": "text/plain" }, "Not Found");
      if (file.failures > 0) {
        file.failures--;
        return answer(502, { "content-type": "text/plain" }, "Bad Gateway");
      }
      if (file.loginPage) {
        return answer(
          200,
          { "content-type": "text/html; charset=utf-8" },
          "<!DOCTYPE html><title>Sign in</title>",
        );
      }
      answer(200, { "content-type": file.contentType, "content-length": file.bytes.byteLength }, file.bytes);
    },
    reset() {
      files.clear();
      downloads.length = 0;
    },
  };
}
