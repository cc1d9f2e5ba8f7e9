import { RedisStore } from '../gateway/store';

/** A RedisStore for a benchmark's Redis rows, or undefined (said on stdout) when Redis is not answering. */
export async function benchRedis(): Promise<RedisStore | undefined> {
  const redis = new RedisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: `passway-bench:${process.pid}:` });
  try {
    await redis.ping();
    return redis;
  } catch (error) {
    console.log(`redis rows skipped: ${(error as Error).message}`);
    await redis.close();
    return undefined;
  }
}
