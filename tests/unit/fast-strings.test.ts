/**
 * ioredis declares `class VerbatimString extends String`, which leaves V8's String.prototype in dictionary mode
 * and every string method in the process slow (gateway/fast-strings.ts). Loading the Redis store must leave it fast.
 */
import { setFlagsFromString } from 'node:v8';
import { createContext, runInContext } from 'node:vm';
import '../../gateway/store/redis';
import { keepStringPrototypeFast } from '../../gateway/fast-strings';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag is set, so V8 accepts its intrinsic.
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

describe('String.prototype stays in fast mode', () => {
  it('after the Redis store (and so ioredis) is loaded', () => {
    expect(hasFastProperties(String.prototype)).toBe(true);
  });

  it('after another String subclass is declared, once it has been kept fast', () => {
    class Tagged extends String {}
    expect(new Tagged('x').length).toBe(1);
    expect(hasFastProperties(String.prototype)).toBe(true);
  });

  it('the V8 behaviour it undoes: a String subclass slows a fresh realm, and keeping it fast repairs it', () => {
    const realm = createContext();
    runInContext('class Sub extends String {}', realm);
    const stringPrototype = runInContext('String.prototype', realm) as object;
    expect(hasFastProperties(stringPrototype)).toBe(false);
    keepStringPrototypeFast(stringPrototype);
    expect(hasFastProperties(stringPrototype)).toBe(true);
    runInContext('class Later extends String {}', realm);
    expect(hasFastProperties(stringPrototype)).toBe(true);
  });
});
