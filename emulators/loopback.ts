/**
 * What "on this computer only" means for the local servers (the dev stack, the embedded SQS/S3): they
 * listen on 127.0.0.1, take connections from loopback only, and take only requests that name this
 * machine's loopback in their Host header — a web page that rebinds its own DNS name to 127.0.0.1
 * reaches the port, but its requests carry its own name.
 */

/** The Host header values a request to a loopback server on `port` may carry. */
export function loopbackHosts(port: number): ReadonlySet<string> {
  return new Set([`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
}

/** The origins of pages served from a loopback server on `port` (plain HTTP). */
export function loopbackOrigins(port: number): ReadonlySet<string> {
  return new Set([...loopbackHosts(port)].map((host) => `http://${host}`));
}

/** Whether a peer address is loopback (IPv4 127/8, IPv6 ::1, or IPv4 loopback mapped into IPv6). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === "::1" || /^(?:::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(address);
}
