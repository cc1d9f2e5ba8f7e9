import { hostname } from 'node:os';

/** This gateway node, as peaks and overload episodes name it: hostname:pid. */
export function nodeId(): string {
  return `${hostname()}:${process.pid}`;
}
