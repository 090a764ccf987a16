/**
 * A small bounded cache of expanded keys.
 *
 * Expanding an AES-SIV key (two schedules, the CMAC subkeys, the CMAC of the zero block) costs
 * about as much as sealing a short message, and an E4 client uses a handful of keys over and
 * over. A fixed number of slots, each holding a copy of the key bytes and its expansion, keeps
 * the memory bounded and the code free of Map, which microcontroller runtimes may lack.
 */

/** What a slot holds: every secret word of the expansion lives in `words`, so wiping it suffices. */
export interface KeyEntry {
  words: Int32Array;
}

export interface KeyCache<T extends KeyEntry> {
  /** The expansion of `key`, computed on a miss into the least recently used slot. */
  get(key: Uint8Array): T;
  /** Zeroes every slot's key copy and expansion. */
  wipe(): void;
}

interface Slot<T> {
  key: Uint8Array;
  keyLen: number;
  lastUse: number;
  entry: T;
}

/**
 * True when the slot holds exactly `key`. Key bytes are secret: all of them are compared,
 * with no exit at the first difference.
 */
function slotMatches<T>(slot: Slot<T>, key: Uint8Array): boolean {
  if (slot.keyLen !== key.length) return false;
  const stored = slot.key;
  let diff = 0;
  for (let i = 0; i < key.length; i++) diff |= stored[i] ^ key[i];
  return diff === 0;
}

/**
 * A cache of up to `size` slots for keys of at most `maxKeyLen` bytes. `create` allocates an
 * empty entry once per slot, when a key first needs the slot (a cache that is never used costs
 * no memory: the embedded build carries two, and a board has little RAM); `expand` fills an
 * entry from key bytes. The cache keeps its own copy of each key, never the caller's array.
 */
export function createKeyCache<T extends KeyEntry>(
  size: number,
  maxKeyLen: number,
  create: () => T,
  expand: (key: Uint8Array, entry: T) => void,
): KeyCache<T> {
  const slots: Slot<T>[] = [];
  let clock = 0;
  let recent = 0;

  function clear(slot: Slot<T>): void {
    slot.key.fill(0);
    slot.entry.words.fill(0);
    slot.keyLen = 0;
    slot.lastUse = 0;
  }

  function get(key: Uint8Array): T {
    clock++;
    // Most calls repeat the previous key, so that slot is tried first.
    let slot = slots[recent];
    if (slot !== undefined && slotMatches(slot, key)) {
      slot.lastUse = clock;
      return slot.entry;
    }
    let victim = 0;
    for (let i = 0; i < slots.length; i++) {
      slot = slots[i];
      if (slotMatches(slot, key)) {
        slot.lastUse = clock;
        recent = i;
        return slot.entry;
      }
      if (slot.lastUse < slots[victim].lastUse) victim = i;
    }
    // A miss takes a new slot while there is room, else the least recently used one.
    if (slots.length < size) {
      victim = slots.length;
      slots.push({ key: new Uint8Array(maxKeyLen), keyLen: 0, lastUse: 0, entry: create() });
    }
    slot = slots[victim];
    clear(slot);
    slot.key.set(key);
    slot.keyLen = key.length;
    slot.lastUse = clock;
    expand(key, slot.entry);
    recent = victim;
    return slot.entry;
  }

  function wipe(): void {
    for (let i = 0; i < slots.length; i++) clear(slots[i]);
    clock = 0;
    recent = 0;
  }

  return { get: get, wipe: wipe };
}
