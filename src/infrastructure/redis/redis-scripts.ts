/**
 * The Lua scripts of the Redis adapters, registered with ioredis
 * defineCommand: they run with EVALSHA and fall back to EVAL by themselves
 * when the server lost its script cache (SCRIPT FLUSH, restart, failover).
 *
 * Every key a script touches is passed in KEYS, and in cluster mode every
 * script touches keys of one slot only (see the callers).
 */
import type { RedisClient } from './redis-connection';

export type ScriptArg = string | number | Buffer;
export type ScriptRunner = (keys: readonly string[], args: readonly ScriptArg[]) => Promise<unknown>;

/**
 * Dead-letter, single node: copy to the dead-letter stream, then acknowledge
 * and delete the original, in one atomic step.
 * KEYS[1] dead-letter stream, KEYS[2] source stream.
 * ARGV[1] group, ARGV[2] entry id, ARGV[3] dead-letter MAXLEN, ARGV[4..] field, value, ...
 * Returns the dead-letter entry id.
 */
export const DEAD_LETTER_LUA = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[2], ARGV[2])
return id
`;

/**
 * Acknowledge and delete entries (the queue's XLEN is its load, so handled
 * entries must go). KEYS[1] stream. ARGV[1] group, ARGV[2..] entry ids.
 * Returns the number acknowledged.
 */
export const ACK_DELETE_LUA = `
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
return acked
`;

/**
 * Publish once, single node: if the frame's marker exists the result is
 * already out, so only acknowledge + delete the entry ('duplicate'); else add
 * the result, set the marker (with TTL), acknowledge + delete ('published').
 * KEYS[1] marker, KEYS[2] result stream, KEYS[3] queue stream.
 * ARGV[1] marker TTL s, ARGV[2] result MAXLEN, ARGV[3] group, ARGV[4] entry id, ARGV[5..] field, value, ...
 */
export const PUBLISH_RESULT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('XACK', KEYS[3], ARGV[3], ARGV[4])
  redis.call('XDEL', KEYS[3], ARGV[4])
  return 'duplicate'
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 5))
redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
redis.call('XACK', KEYS[3], ARGV[3], ARGV[4])
redis.call('XDEL', KEYS[3], ARGV[4])
return 'published'
`;

/**
 * Publish once, cluster step 1 (the marker and the result stream share a
 * slot thanks to the marker's hash tag): check + add + mark, no acknowledgement.
 * KEYS[1] marker, KEYS[2] result stream. ARGV[1] marker TTL s, ARGV[2] result MAXLEN, ARGV[3..] field, value, ...
 */
export const PUBLISH_RESULT_NO_ACK_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 'duplicate'
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
return 'published'
`;

type Dynamic = Record<string, ((...args: ScriptArg[]) => Promise<unknown>) | undefined>;

/**
 * Registers `lua` under `name` on the client (once per client) and returns a
 * runner. Names are prefixed so they cannot clash with Redis commands.
 */
export function defineScript(client: RedisClient, name: string, lua: string, numberOfKeys: number): ScriptRunner {
  const commandName = `facerec_${name}`;
  const dynamic = client as unknown as Dynamic;
  if (typeof dynamic[commandName] !== 'function') client.defineCommand(commandName, { lua, numberOfKeys });
  return (keys, args) => {
    if (keys.length !== numberOfKeys) throw new Error(`script ${name} takes ${numberOfKeys} keys, got ${keys.length}`);
    const command = dynamic[commandName];
    if (!command) throw new Error(`script ${name} is not defined on this client`);
    return command.call(client, ...keys, ...args);
  };
}
