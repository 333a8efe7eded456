import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request the host has read in full, as each of its surfaces receives it. */
export interface Incoming {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
}
