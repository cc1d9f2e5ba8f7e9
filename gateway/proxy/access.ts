import type { Identity } from '../../idp-adapters/identity';
import { decide } from '../../resource-catalog/policy';
import type { Resource } from '../../resource-catalog/schema';

/**
 * May the proxy serve `resource` to `user` on `day`: the policy allows it, by the proxy method (a
 * better method, such as WAYFless, sends the reader through the launch link instead). The same decision
 * the HTTP proxy handler makes; the WebSocket handshake asks here, so moving both to the shared
 * authorize() is one call site each.
 */
export function mayProxy(user: Identity, resource: Resource, day: string): boolean {
  const decision = decide(user, resource, day);
  return decision.allow && decision.method.kind === 'proxy';
}
