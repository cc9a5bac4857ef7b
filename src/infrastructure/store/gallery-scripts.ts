/**
 * Lua scripts of the gallery's Redis store. Each changes the person record,
 * the id index and the change feed in one atomic step, so a replica that
 * loaded the gallery and then follows the feed misses nothing, and no reader
 * ever sees a record without its index entry or a feed entry before its
 * record. Every key is under the {gallery} hash tag (one cluster slot).
 */

/**
 * Create-only. KEYS[1] record, KEYS[2] id index, KEYS[3] change feed.
 * ARGV[1] id, ARGV[2] version, ARGV[3] key id ('' = clear), ARGV[4] iv,
 * ARGV[5] tag, ARGV[6] body, ARGV[7] feed MAXLEN. Returns 'created' | 'exists'.
 */
export const CREATE_PERSON_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'kid', ARGV[3], 'iv', ARGV[4], 'tag', ARGV[5], 'body', ARGV[6])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'kind', 'upsert', 'person_id', ARGV[1], 'version', ARGV[2])
return 'created'
`;

/**
 * Replace if the stored version is still the expected one (optimistic
 * concurrency). Same KEYS and ARGV as create, plus ARGV[8] expected version.
 * Returns 'replaced' | 'missing' | 'conflict'.
 */
export const REPLACE_PERSON_LUA = `
local stored = redis.call('HGET', KEYS[1], 'version')
if not stored then return 'missing' end
if stored ~= ARGV[8] then return 'conflict' end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'kid', ARGV[3], 'iv', ARGV[4], 'tag', ARGV[5], 'body', ARGV[6])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'kind', 'upsert', 'person_id', ARGV[1], 'version', ARGV[2])
return 'replaced'
`;

/**
 * Delete every copy: the record and its index entry. KEYS as create.
 * ARGV[1] id, ARGV[2] feed MAXLEN. Returns 1 when the person existed, else 0
 * (and no feed entry).
 */
export const DELETE_PERSON_LUA = `
local removed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if removed == 0 then return 0 end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'kind', 'delete', 'person_id', ARGV[1])
return 1
`;

/**
 * Append sealed candidates to an enrolment session unless it expired or
 * would hold more than allowed. KEYS[1] session. ARGV[1] max candidates,
 * ARGV[2..] sealed candidates. Returns 'added' | 'missing' | 'full'.
 * HSET keeps the key's TTL: adding never extends a session.
 */
export const ADD_SESSION_CANDIDATES_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local adding = #ARGV - 1
if count + adding > tonumber(ARGV[1]) then return 'full' end
for i = 1, adding do
  redis.call('HSET', KEYS[1], 'c:' .. (count + i), ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'count', count + adding)
return 'added'
`;
