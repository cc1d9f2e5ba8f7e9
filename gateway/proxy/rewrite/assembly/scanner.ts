/**
 * The rewriter's hot loop, in AssemblyScript, compiled to scanner.wasm by `npm run build` (see ../README.md).
 * One round rewrites one window of latin1 bytes (the carried tail of the last round, then the new chunk):
 * the origins of absolute URLs whose host the caller mapped, and in HTML the `integrity` and CSP `<meta>` fix-ups.
 * Candidates come 16 bytes at a time from SIMD compares; everything around them is plain byte code.
 * The mapping itself stays in JavaScript: an unknown host stops the round (NEED_HOST) until the caller adds it.
 *
 * Memory: [tables][host slots][entries][arena][scratch][state][pad][input window][pad][output → grows].
 */

// ---- sizes (bytes)
const SLOT_BITS: u32 = 14;
const SLOTS: u32 = 1 << SLOT_BITS;
const MAX_ENTRIES: u32 = 10000;
const ENTRY_SIZE: u32 = 32;
const ARENA_SIZE: u32 = 1 << 20;
export const SCRATCH_SIZE: u32 = 4096;
export const STATE_SIZE: u32 = 32;
const PAD: u32 = 64;

// ---- the scanner's reach: a round takes anchors with LOOKAHEAD bytes after them (url-stage.ts carries the rest),
// and may replace up to LOOKBEHIND bytes before one (its scheme)
const LONGEST_SEPARATOR: i32 = 12;
const MAX_HOST: i32 = 253;
const MAX_PORT_DIGITS: i32 = 5;
export const LOOKAHEAD: i32 = LONGEST_SEPARATOR + MAX_HOST + 1 + MAX_PORT_DIGITS + 1;
export const LOOKBEHIND: i32 = 6; // 'https:'
const MAX_SPACES: i32 = 16; // \s{0,16} of the fix-ups
const TAG_NAME_MAX: i32 = 16;

// ---- status of a round (these and the flags are exported for wasm-scanner.ts: defined here only)
export const DONE: i32 = 0;
export const NEED_HOST: i32 = 1;
export const REPORT: i32 = 2;

// ---- flags of a round
export const BASE_HTTPS: u32 = 1;
export const HTML: u32 = 2;
export const FINAL: u32 = 4;
export const KIND_SHIFT: u32 = 8; // bits 8..9: content kind (0 html, 1 css, 2 js, 3 json) for protocol-relative leads

// ---- byte tables: 256 bytes each. Fixed addresses (compile-time constants, so every access is one instruction),
// above the module's static data (its strings; init() checks that they end below).
const TABLES: usize = 8192;
const AFTER_HOST: usize = TABLES;
const LOWER: usize = TABLES + 256;
const SPACE: usize = TABLES + 512; // JavaScript's \s within latin1
const TAG_CHAR: usize = TABLES + 768;
const LEADS: usize = TABLES + 1024; // 4 tables
const SPLATS: usize = TABLES + 2048; // 256 vectors of 16 equal bytes, see splatOf()
const IOTA: usize = SPLATS + 4096; // the vector 0, 1, …, 15
const SLOT_TABLE: usize = IOTA + 16;
const ENTRIES: usize = SLOT_TABLE + SLOTS * 8;
const ARENA: usize = ENTRIES + MAX_ENTRIES * ENTRY_SIZE;
const SCRATCH: usize = ARENA + ARENA_SIZE;
const STATE: usize = SCRATCH + SCRATCH_SIZE;
const INPUT: usize = STATE + STATE_SIZE + PAD;

// entry fields
const E_KEY: usize = 0;
const E_KEY_LEN: usize = 4;
const E_HTTPS: usize = 8;
const E_MAPPED: usize = 12;
const E_REPL: usize = 16; // `scheme://hostport`
const E_SCHEME_LEN: usize = 20;
const E_HOSTPORT_LEN: usize = 22;
const E_SEEN: usize = 24;

let entryCount: u32 = 0;
let arenaTop: usize = ARENA;

// ---- the round in progress
let len: i32 = 0;
let from: i32 = 0;
let limit: i32 = 0;
let flags: u32 = 0;
let token: u32 = 0;
let pos: i32 = 0;
let pointer: i32 = 0; // input copied to the output up to here
let out: usize = 0; // next output byte
let outStart: usize = 0;
let leads: usize = LEADS;
let keepAt: i32 = 0;
let cacheBlock: i32 = -1;
let cacheMask: u32 = 0;
// results for the caller
let needStart: i32 = 0;
let needEnd: i32 = 0;
let needHttps: u32 = 0;
let reportedId: i32 = 0;

function setChars(table: usize, chars: string): void {
  for (let i = 0; i < chars.length; i++) store<u8>(table + <usize>chars.charCodeAt(i), 1);
}

function init(): void {
  if (__heap_base > TABLES) unreachable();
  const end = INPUT + PAD * 2;
  const pages = <i32>((end + 0xffff) >> 16) - memory.size();
  if (pages > 0 && memory.grow(pages) < 0) unreachable();
  for (let c = 0; c < 256; c++) {
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    store<u8>(TAG_CHAR + c, alnum ? 1 : 0);
    store<u8>(LOWER + c, c >= 65 && c <= 90 ? c + 32 : c);
  }
  setChars(TAG_CHAR, '-');
  setChars(AFTER_HOST, '/?#"\'`)\\<>,;&|]}{!.* \t\n\r\f');
  setChars(SPACE, ' \t\n\v\f\r\xa0');
  // (literals, not concatenations: this module allocates nothing, see the memory layout above)
  setChars(LEADS, '"\'`(=, \t\n\r\f'); // html: attributes, srcset candidates, style url(), refresh url=
  setChars(LEADS + 256, '"\'( \t\n\r\f'); // css: url(//x), url( "//x" ), @import "//x"
  setChars(LEADS + 512, '"\'`'); // js: string literals only (`//` elsewhere starts a comment)
  setChars(LEADS + 768, '"'); // json
  for (let b = 0; b < 256; b++) memory.fill(SPLATS + (<usize>b << 4), <u8>b, 16);
  for (let i = 0; i < 16; i++) store<u8>(IOTA + i, i);
}

/**
 * The vector of 16 bytes equal to `byte`, loaded from memory: as a v128 constant, V8 builds it anew at every use,
 * inside loops too (several instructions each: a third of the candidate loop's), and a load is one instruction,
 * or none once held in a register.
 */
@inline function splatOf(byte: i32): v128 {
  return v128.load(SPLATS + (<usize>byte << 4));
}

init();

// ---- the host table (filled by the caller through add())

export function scratch(): usize {
  return SCRATCH;
}

export function state(): usize {
  return STATE;
}

/** Makes room for a window of `length` bytes (and its output); returns where the window goes. */
export function prepare(length: i32): usize {
  out = INPUT + <usize>length + PAD;
  ensure(length + PAD);
  return INPUT;
}

export function clear(): void {
  memory.fill(SLOT_TABLE, 0, SLOTS * 8);
  entryCount = 0;
  arenaTop = ARENA;
}

@inline function lower(c: u32): u32 {
  return load<u8>(LOWER + c);
}

/** 16 bytes at `p`, A–Z made lower case. */
@inline function lowered(p: usize): v128 {
  const v = v128.load(p);
  const upper = i8x16.le_u(i8x16.sub(v, splatOf(65 /* A */)), splatOf(25));
  return v128.or(v, v128.and(upper, splatOf(0x20)));
}

/** Hash of the n bytes at `p`, any case: their first and last 16 bytes, and n. */
function keyHash(p: usize, n: i32): u32 {
  let v = lowered(p);
  if (n < 16) v = v128.and(v, i8x16.lt_u(v128.load(IOTA), i8x16.splat(<i8>n)));
  let h: u64 = (i64x2.extract_lane(v, 0) * 0x9e3779b97f4a7c15) ^ (i64x2.extract_lane(v, 1) * 0xc2b2ae3d27d4eb4f);
  if (n > 16) {
    const w = lowered(p + <usize>n - 16);
    h ^= (i64x2.extract_lane(w, 0) * 0x165667b19e3779f9) ^ (i64x2.extract_lane(w, 1) * 0x27d4eb2f165667c5);
  }
  h ^= <u64>n;
  h ^= h >> 29;
  return <u32>(h ^ (h >> 32));
}

/** The n bytes at `text`, any case, equal the lower-case `key`. */
function sameKey(key: usize, text: usize, n: i32): bool {
  for (let k = 0; k < n; k += 16) {
    const bits = <u32>i8x16.bitmask(i8x16.eq(lowered(text + k), v128.load(key + k)));
    const need: u32 = n - k >= 16 ? 0xffff : (<u32>1 << <u32>(n - k)) - 1;
    if ((bits & need) != need) return false;
  }
  return true;
}

@inline function slotOf(hash: u32, https: u32): u32 {
  return ((hash ^ (https * 0x9e3779b9)) * 0x85ebca6b) >> (32 - SLOT_BITS);
}

/**
 * Adds host[:port] (lower case) under a scheme, from the scratch area: the key, then (when mapped) the
 * replacement `scheme://hostport`. Returns its id, or -1 when the table is full (clear, then add again).
 */
export function add(https: u32, keyLen: u32, mapped: u32, schemeLen: u32, hostportLen: u32): i32 {
  const size = keyLen + (mapped ? schemeLen + 3 + hostportLen : 0);
  if (entryCount >= MAX_ENTRIES || arenaTop + size > ARENA + ARENA_SIZE) return -1;
  const id = entryCount++;
  const e = ENTRIES + id * ENTRY_SIZE;
  memory.copy(arenaTop, SCRATCH, size);
  const hash = keyHash(arenaTop, keyLen);
  store<u32>(e + E_KEY, <u32>arenaTop);
  store<u32>(e + E_KEY_LEN, keyLen);
  store<u32>(e + E_HTTPS, https);
  store<u32>(e + E_MAPPED, mapped);
  store<u32>(e + E_REPL, <u32>(arenaTop + keyLen));
  store<u16>(e + E_SCHEME_LEN, <u16>schemeLen);
  store<u16>(e + E_HOSTPORT_LEN, <u16>hostportLen);
  store<u32>(e + E_SEEN, 0);
  arenaTop += size;
  let slot = slotOf(hash, https);
  while (load<u32>(SLOT_TABLE + slot * 8 + 4) != 0) slot = (slot + 1) & (SLOTS - 1);
  store<u32>(SLOT_TABLE + slot * 8, hash);
  store<u32>(SLOT_TABLE + slot * 8 + 4, id + 1);
  return id;
}

/** The entry id of input[start, end) (any case) under the scheme, or -1. */
function lookup(https: u32, start: i32, end: i32): i32 {
  const keyLen = <u32>(end - start);
  const hash = keyHash(INPUT + start, end - start);
  let slot = slotOf(hash, https);
  for (;;) {
    const id1 = load<u32>(SLOT_TABLE + slot * 8 + 4);
    if (id1 == 0) break;
    if (load<u32>(SLOT_TABLE + slot * 8) == hash) {
      const e = ENTRIES + (id1 - 1) * ENTRY_SIZE;
      if (load<u32>(e + E_HTTPS) == https && load<u32>(e + E_KEY_LEN) == keyLen && sameKey(<usize>load<u32>(e + E_KEY), INPUT + start, <i32>keyLen)) return <i32>id1 - 1;
    }
    slot = (slot + 1) & (SLOTS - 1);
  }
  return -1;
}

// ---- output

function ensure(bytes: i32): void {
  const need = out + <usize>bytes + PAD;
  const have = <usize>memory.size() << 16;
  if (need > have) {
    const pages = <i32>((need - have + 0xffff) >> 16);
    if (memory.grow(max(pages, memory.size() >> 2)) < 0) unreachable();
  }
}

/**
 * n bytes from `at` to the output. Short runs (most of them: the text between two URLs, a replacement) go
 * 16 bytes at a time, writing up to 15 bytes past the end (ensure() keeps PAD bytes of room there).
 */
function write(at: usize, n: i32): void {
  ensure(n);
  if (n <= 256) {
    for (let i = 0; i < n; i += 16) v128.store(out + i, v128.load(at + i));
  } else {
    memory.copy(out, at, n);
  }
  out += n;
}

/** Input [pointer, start) as it is; the input is then taken up to `start`. */
function copyTo(start: i32): void {
  if (start > pointer) write(INPUT + pointer, start - pointer);
  pointer = start;
}

function writeString(s: string): void {
  ensure(s.length);
  for (let i = 0; i < s.length; i++) store<u8>(out + i, s.charCodeAt(i));
  out += s.length;
}

// ---- a round

/**
 * Rewrites input[0, length): anchors at [start, length - LOOKAHEAD), or to the end when flags has FINAL.
 * The caller copied the window to prepare()'s address and its HTML state to state(); the output is then at outPtr()
 * (outLen() bytes), and input[keep(), length) is the tail to carry into the next round.
 */
export function scan(length: i32, start: i32, roundFlags: u32, roundToken: u32): i32 {
  len = length;
  from = start;
  flags = roundFlags;
  token = roundToken;
  limit = flags & FINAL ? len : len - LOOKAHEAD;
  memory.fill(INPUT + len, 0, PAD);
  outStart = (INPUT + len + PAD + 15) & ~(<usize>15);
  out = outStart;
  ensure(len);
  pointer = 0;
  pos = from;
  leads = LEADS + (((flags >> KIND_SHIFT) & 3) << 8);
  cacheBlock = -1;
  return run();
}

/** Continues the round after NEED_HOST (the host was added) or REPORT. */
export function resume(): i32 {
  return run();
}

export function outPtr(): usize {
  return outStart;
}
export function outLen(): i32 {
  return <i32>(out - outStart);
}
export function keep(): i32 {
  return keepAt;
}
export function needHostStart(): i32 {
  return needStart;
}
export function needHostEnd(): i32 {
  return needEnd;
}
export function needHostHttps(): u32 {
  return needHttps;
}
export function reported(): i32 {
  return reportedId;
}

function run(): i32 {
  const stop = limit + 4; // a CSP candidate's anchor is 4 bytes before its hit
  for (;;) {
    const p = nextHit(pos, stop);
    if (p < 0) break;
    const c = load<u8>(INPUT + p);
    if (c == 47 || c == 92 || c == 38) {
      if (p >= limit) {
        pos = p + 1;
        continue;
      }
      const status = url(p);
      if (status != DONE) return status;
    } else if (c == 45) {
      csp(p);
    } else {
      integrity(p);
    }
  }
  finish();
  return DONE;
}

function finish(): void {
  keepAt = flags & FINAL ? len : max(pointer, limit - LOOKBEHIND);
  copyTo(keepAt);
  if (out > outStart) emitted();
}

// ---- candidates: `//`, `\`, `&#`; in HTML also ` integrity` (hit at the i) and `http-equiv` (hit at the -)

/**
 * Position of the next candidate at or after `at` and before `end`, or -1. Blocks of 16 bytes, the constants
 * held in locals across them; the last block's mask is kept, as most hits come in twos (`//` then `/` of `//`).
 */
function nextHit(at: i32, end: i32): i32 {
  if (at >= end) return -1;
  let b = at & ~15;
  const skip = <u32>0xffff << <u32>(at - b);
  if (b == cacheBlock) {
    const m = cacheMask & skip;
    if (m != 0) return hitIn(b, m, end);
    b += 16;
  }
  // loaded once, held in registers across the loop (as constants, V8 rebuilt each one in every iteration)
  const slash = splatOf(47 /* / */);
  const back = splatOf(92 /* \\ */);
  const amp = splatOf(38 /* & */);
  const sharp = splatOf(35 /* # */);
  const case20 = splatOf(0x20);
  const letterI = splatOf(105 /* i */);
  const letterN = splatOf(110 /* n */);
  const letterE = splatOf(101 /* e */);
  const dash = splatOf(45 /* - */);
  const control = splatOf(32);
  const html = (flags & HTML) != 0;
  for (; b < end; b += 16) {
    const p = INPUT + b;
    const a = v128.load(p);
    const n1 = v128.load(p + 1);
    let v = v128.or(v128.and(i8x16.eq(a, slash), i8x16.eq(n1, slash)), i8x16.eq(a, back));
    v = v128.or(v, v128.and(i8x16.eq(a, amp), i8x16.eq(n1, sharp)));
    if (html) {
      // supersets, checked byte by byte in integrity()/csp(): `in` after a byte <= 32, `-e`
      const l1 = v128.or(n1, case20);
      const int = v128.and(v128.and(i8x16.eq(v128.or(a, case20), letterI), i8x16.eq(l1, letterN)), i8x16.le_u(v128.load(p - 1), control));
      v = v128.or(v, v128.or(int, v128.and(i8x16.eq(a, dash), i8x16.eq(l1, letterE))));
    }
    let m = <u32>i8x16.bitmask(v);
    cacheBlock = b;
    cacheMask = m;
    if (b < at) m &= skip;
    if (m != 0) return hitIn(b, m, end);
  }
  return -1;
}

@inline function hitIn(b: i32, m: u32, end: i32): i32 {
  const p = b + <i32>ctz(m);
  return p < end ? p : -1;
}

@inline function byteAt(i: i32): u32 {
  return load<u8>(INPUT + i);
}

// ---- URLs

/**
 * Length of the separator at `at`, 0 when there is none: `//`; `\/\/` (JSON, JS strings); `\\/\\/` (JSON inside
 * a JS string); `\u002F\u002F` (JSON, either hex case); `&#x2F;&#x2F;` and `&#47;&#47;` (HTML attributes written by
 * encoders that escape slashes). See "What is rewritten" in ../README.md.
 */
function separatorLength(at: i32): i32 {
  const c = byteAt(at);
  if (c == 47) return byteAt(at + 1) == 47 ? 2 : 0;
  if (c == 92) {
    if (byteAt(at + 1) == 47 && byteAt(at + 2) == 92 && byteAt(at + 3) == 47) return 4; // \/\/
    if (byteAt(at + 1) == 92 && byteAt(at + 2) == 47 && byteAt(at + 3) == 92 && byteAt(at + 4) == 92 && byteAt(at + 5) == 47) return 6; // \\/\\/
    return escapedSlash(at) && escapedSlash(at + 6) ? 12 : 0; // \u002F\u002F
  }
  if (c == 38) {
    if (matches(at + 1, '#47;&#47;')) return 10;
    return entitySlash(at) && entitySlash(at + 6) ? 12 : 0; // &#x2F;&#x2F;
  }
  return 0;
}

function escapedSlash(at: i32): bool {
  return matches(at, '\\u002') && (byteAt(at + 5) | 0x20) == 102;
}

function entitySlash(at: i32): bool {
  return matches(at, '&#x2') && (byteAt(at + 4) | 0x20) == 102 && byteAt(at + 5) == 59;
}

/** Exact bytes. */
function matches(at: i32, s: string): bool {
  for (let i = 0; i < s.length; i++) if (byteAt(at + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

/** Any case (`s` in lower case). */
function matchesLower(at: i32, s: string): bool {
  for (let i = 0; i < s.length; i++) if (lower(byteAt(at + i)) != <u32>s.charCodeAt(i)) return false;
  return true;
}

@inline function isAlnum(c: u32): bool {
  return c - 48 < 10 || (c | 0x20) - 97 < 26;
}

/** Start of `http:`/`https:` right before `at` (which follows a colon); -2 for another scheme. */
function schemeBefore(at: i32): i32 {
  let i = at - 2;
  if (i >= 0 && lower(byteAt(i)) == 115) i--;
  if (i >= 3 && lower(byteAt(i)) == 112 && lower(byteAt(i - 1)) == 116 && lower(byteAt(i - 2)) == 116 && lower(byteAt(i - 3)) == 104) return i - 3;
  return -2;
}

/** The URL whose separator may be at `at`: replaced, or left alone; NEED_HOST/REPORT stop the round. */
function url(at: i32): i32 {
  const separator = separatorLength(at);
  if (separator == 0) {
    pos = at + 1;
    return DONE;
  }
  let schemeStart = -1;
  let https: u32;
  if (at > 0 && byteAt(at - 1) == 58) {
    schemeStart = schemeBefore(at);
    if (schemeStart < pointer) {
      pos = at + 1;
      return DONE;
    }
    https = at - 1 - schemeStart == 5 ? 1 : 0;
  } else {
    if (at == 0 || load<u8>(leads + byteAt(at - 1)) != 1) {
      pos = at + 1;
      return DONE;
    }
    https = flags & BASE_HTTPS ? 1 : 0;
  }

  const hostStart = at + separator;
  if (hostStart >= len) return rejected(at);
  let i = hostRun(hostStart, min(len, hostStart + MAX_HOST + 1));
  if (i - hostStart > MAX_HOST) return rejected(at);
  while (i > hostStart && byteAt(i - 1) == 46) i--; // trailing dots end a sentence, not a host
  if (i == hostStart || !isAlnum(byteAt(hostStart))) return rejected(at);
  let end = i;
  if (byteAt(i) == 58) {
    end = i + 1;
    while (end < len && end - i <= MAX_PORT_DIGITS && byteAt(end) >= 48 && byteAt(end) <= 57) end++;
    if (end == i + 1) return rejected(at); // a colon without digits is not a port
  }
  if (end < len ? load<u8>(AFTER_HOST + byteAt(end)) != 1 : !(flags & FINAL)) return rejected(at);

  const id = lookup(https, hostStart, end);
  if (id < 0) {
    needStart = hostStart;
    needEnd = end;
    needHttps = https;
    pos = at; // this anchor again once the host is known
    return NEED_HOST;
  }
  const e = ENTRIES + <usize>id * ENTRY_SIZE;
  if (load<u32>(e + E_MAPPED) == 0) {
    pos = at + 1;
    if (load<u32>(e + E_SEEN) == token) return DONE;
    store<u32>(e + E_SEEN, token);
    reportedId = id;
    return REPORT;
  }
  const repl = <usize>load<u32>(e + E_REPL); // scheme://hostport
  const schemeLen = <i32>load<u16>(e + E_SCHEME_LEN);
  const hostportLen = <i32>load<u16>(e + E_HOSTPORT_LEN);
  if (separator == 2) {
    if (schemeStart == -1) {
      copyTo(at);
      write(repl + schemeLen + 1, hostportLen + 2); // //hostport
    } else {
      copyTo(schemeStart);
      write(repl, schemeLen + 3 + hostportLen);
    }
  } else {
    // the separator as written: scheme: \/\/ hostport
    if (schemeStart == -1) {
      copyTo(at);
    } else {
      copyTo(schemeStart);
      write(repl, schemeLen + 1);
    }
    write(INPUT + at, separator);
    write(repl + schemeLen + 3, hostportLen);
  }
  pointer = end;
  pos = end;
  return DONE;
}

/** End of the run of host characters (letters, digits, `.`, `-`, `_`) from `start`, at most `most`; 16 bytes at a time. */
function hostRun(start: i32, most: i32): i32 {
  let i = start;
  while (i < most) {
    const v = v128.load(INPUT + i);
    const letter = i8x16.le_u(i8x16.sub(v128.or(v, splatOf(0x20)), splatOf(97 /* a */)), splatOf(25));
    const digit = i8x16.le_u(i8x16.sub(v, splatOf(48 /* 0 */)), splatOf(9));
    const punct = v128.or(v128.or(i8x16.eq(v, splatOf(46 /* . */)), i8x16.eq(v, splatOf(45 /* - */))), i8x16.eq(v, splatOf(95 /* _ */)));
    const ok = <u32>i8x16.bitmask(v128.or(v128.or(letter, digit), punct));
    if (ok != 0xffff) return min(i + <i32>ctz(~ok), most);
    i += 16;
  }
  return most;
}

function rejected(at: i32): i32 {
  pos = at + 1;
  return DONE;
}

// ---- HTML fix-ups (see ../README.md): ` integrity` on <script>/<link>, `http-equiv=content-security-policy` on <meta>

const TAG_OTHER = 0;
const TAG_SCRIPT = 1;
const TAG_LINK = 2;
const TAG_META = 3;

function spacesFrom(at: i32): i32 {
  let j = at;
  while (j - at < MAX_SPACES && load<u8>(SPACE + byteAt(j)) == 1) j++;
  return j;
}

function integrity(hit: i32): void {
  pos = hit + 1;
  const anchor = hit - 1;
  if (anchor < from || anchor >= limit || anchor < pointer) return;
  const before = byteAt(anchor);
  if (before != 32 && (before < 9 || before > 13)) return;
  if (!matchesLower(hit, 'integrity')) return;
  if (byteAt(spacesFrom(hit + 9)) != 61) return; // =
  const tag = tagAt(anchor);
  if (tag != TAG_SCRIPT && tag != TAG_LINK) return;
  copyTo(hit);
  writeString('data-passway-integrity');
  pointer = hit + 9;
  pos = hit + 9;
}

function csp(hit: i32): void {
  pos = hit + 1;
  const anchor = hit - 4;
  if (anchor < from || anchor >= limit || anchor < pointer) return;
  if (!matchesLower(anchor, 'http-equiv')) return;
  let j = spacesFrom(hit + 6);
  if (byteAt(j) != 61) return; // =
  j = spacesFrom(j + 1);
  if (byteAt(j) == 34 || byteAt(j) == 39) j++;
  j = spacesFrom(j);
  if (!matchesLower(j, 'content-security-policy')) return;
  if (tagAt(anchor) != TAG_META) return;
  copyTo(j);
  writeString('x-passway-disabled-');
  pos = j + 23;
}

/** The tag open at `at`: the nearest `<` or `>` before it, in this window or (none there) in the state carried from earlier output. */
function tagAt(at: i32): i32 {
  for (let k = at; k >= 0; k--) {
    const c = byteAt(k);
    if (c == 60) return tagName(INPUT + k + 1, INPUT + len);
    if (c == 62) return TAG_OTHER;
  }
  if (load<u8>(STATE) == 0) return TAG_OTHER;
  // the tag name may go on from the carried text into this window: join them in scratch
  const carried = <i32>load<u8>(STATE + 1);
  memory.copy(SCRATCH, STATE + 2, carried);
  memory.copy(SCRATCH + carried, INPUT, min(len, TAG_NAME_MAX));
  return tagName(SCRATCH + 1, SCRATCH + carried + min(len, TAG_NAME_MAX));
}

function tagName(start: usize, end: usize): i32 {
  let i = start;
  while (i < end && i - start < <usize>TAG_NAME_MAX && load<u8>(TAG_CHAR + load<u8>(i)) == 1) i++;
  const n = <i32>(i - start);
  if (n == 6 && nameIs(start, 'script')) return TAG_SCRIPT;
  if (n == 4 && nameIs(start, 'link')) return TAG_LINK;
  if (n == 4 && nameIs(start, 'meta')) return TAG_META;
  return TAG_OTHER;
}

function nameIs(at: usize, s: string): bool {
  for (let i = 0; i < s.length; i++) if (lower(load<u8>(at + i)) != <u32>s.charCodeAt(i)) return false;
  return true;
}

/**
 * Carries the tag open at the end of this round's output into the next: from its last `<` (when after its last `>`),
 * up to TAG_NAME_MAX + 1 bytes. State: [open 0/1][length][bytes].
 */
function emitted(): void {
  for (let p = out; p > outStart; ) {
    p--;
    const c = load<u8>(p);
    if (c == 60) {
      const n = <i32>min(<usize>(TAG_NAME_MAX + 1), out - p);
      store<u8>(STATE, 1);
      store<u8>(STATE + 1, <u8>n);
      memory.copy(STATE + 2, p, n);
      return;
    }
    if (c == 62) {
      store<u8>(STATE, 0);
      return;
    }
  }
  const carried = <i32>load<u8>(STATE + 1);
  if (load<u8>(STATE) == 1 && carried <= TAG_NAME_MAX) {
    const n = min(TAG_NAME_MAX + 1 - carried, <i32>(out - outStart));
    memory.copy(STATE + 2 + carried, outStart, n);
    store<u8>(STATE + 1, <u8>(carried + n));
  }
}
