/**
 * Keeps V8's String.prototype in fast mode.
 *
 * A class that extends String (ioredis has one: `class VerbatimString extends String`, for RESP3 replies) makes
 * String.prototype the prototype of an ordinary object, and V8 then switches String.prototype to dictionary mode
 * ("prototype setup mode") and, unlike other prototypes, never switches it back by itself: a primitive string's
 * method lookups do not go through the path that makes prototypes fast again. From then on every
 * `s.charCodeAt(i)`, `s.startsWith(…)`, `s.indexOf(…)` in the process is a dictionary lookup that optimized code
 * cannot fold away: on Node 24 the proxy's URL scanner ran three times slower with ioredis loaded than without,
 * and plain charCodeAt loops fourteen times slower (bench/strings.ts shows it).
 *
 * A property read through an ordinary object whose prototype is String.prototype, made by an inline cache, does
 * make it fast again (V8 marks it as a prototype that should stay fast, so later subclasses leave it alone).
 * The read must run from a function with feedback, hence the loop: V8 gives a function feedback only after
 * some calls. Cheap and idempotent; called after ioredis loads and when a gateway is created.
 */
export function keepStringPrototypeFast(stringPrototype: object = String.prototype): void {
  const probe: object = Object.create(stringPrototype);
  for (let i = 0; i < 100; i++) readThrough(probe);
}

function readThrough(probe: object): unknown {
  return (probe as { charCodeAt?: unknown }).charCodeAt;
}
