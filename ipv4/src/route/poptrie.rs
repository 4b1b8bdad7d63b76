//! A compressed multibit trie in the family of Poptrie (Asai & Ohara, SIGCOMM 2015) and
//! DXR: direct pointing on the top 16 bits, then up to two 256-slot bitmap nodes (bits
//! 16–23 and 24–31) whose leaves are found by popcount, with runs of equal results
//! collapsed into one leaf and slots answered by a shorter prefix taking no leaf at all.
//!
//! # Encoding
//!
//! - `top[addr >> 16]` is either a value (`0` for no route, or a route id plus one: the
//!   longest route of length ≤ 16 covering that /16), or `NODE | offset` for the level-1
//!   node at that byte offset of the arena.
//! - A node describes 256 slots and is stored in one byte arena as a 72-byte header
//!   followed by its leaves, so that the leaf a lookup reads is next to the bitmap it
//!   has just read (same page, usually the same or the next cache line):
//!   - `default` (4 bytes): the value of slots without a leaf of their own;
//!   - `ranks` (4 bytes): run starts in the 64-slot words before word `w`, so a lookup
//!     counts bits in one word only;
//!   - two 256-bit bitmaps, `covered` (bit `s`: slot `s` has a leaf of its own) and
//!     `start` (bit `s`: a new run of equal values starts at `s`), stored word by word
//!     (`covered` word 0, `start` word 0, `covered` word 1…) so that a lookup reads one
//!     16-byte piece;
//!   - leaves, 3 bytes each: the value of covered slot `s` is leaf `rank(start, s) - 1`.
//!
//!   The popcount counts one 64-bit word; on the baseline x86-64 target (no `POPCNT`)
//!   that is about a dozen instructions, cheap beside the cache misses it saves.
//! - A level-1 node (the slots of one /16, at /24 granularity) holds routes of lengths
//!   17–24; its default is the /16's value. A leaf is a route id plus one, or
//!   `LEAF_CHILD | i` for the level-2 node `children[i]` of that /24. A level-2 node holds
//!   routes of lengths 25–32; its default is the /24's value before expansion, so a
//!   lookup never goes back up.
//!
//! Inside this module a slot value is `0` (uncovered), a route id plus one, or
//! `CHILD | i`; leaves store `LEAF_CHILD | i` for the latter (see [`to_stored`]).
//!
//! # Updates
//!
//! A route of length ≤ 16 changes only values: the top entries of the `2^(16 - len)`
//! /16s it covers, or the defaults of their nodes and of those nodes' children. A longer
//! route re-encodes the one node on its path (decode 256 slots, rewrite the covered ones,
//! encode), or two when a level-2 node appears or goes. [`Poptrie::build`] encodes each
//! node once from all its routes, for loading a whole table. A node that gains runs moves to
//! the end of the arena; the bytes it leaves are counted, and the arena is compacted
//! when it would otherwise grow with at least a 64th of it garbage, or after a removal
//! leaves more than a quarter of it garbage. It grows by a 64th rather than doubling,
//! so the footprint follows the live structure up and down.

/// Top entry flag: the rest is the byte offset of a level-1 node.
const NODE: u32 = 1 << 31;
/// Slot value flag (inside this module): the rest indexes `children`.
const CHILD: u32 = 1 << 31;
/// Stored-leaf flag: the rest indexes `children` (else the leaf is a route id plus one).
const LEAF_CHILD: u32 = 1 << 23;
/// Slots per node.
const SLOTS: usize = 256;
/// Bytes per stored leaf: route ids plus one and child indices stay below
/// [`LEAF_CHILD`], which the table guarantees by holding at most 2^22 routes.
const LEAF_BYTES: usize = 3;
/// Header layout, in bytes from the node's offset.
const DEFAULT_AT: usize = 0;
/// The default word holds the value in its low 23 bits and, above them, how many more
/// leaves the node has room for.
const VALUE_MASK: u32 = LEAF_CHILD - 1;
const SPARE_SHIFT: u32 = 23;
/// Leaves of room a moved node gets beyond its runs: a route splitting a run adds two,
/// so a route added and removed again re-encodes in place instead of moving each time.
const SLACK: usize = 2;
const RANKS_AT: usize = 4;
const WORDS_AT: usize = 8;
const HEADER: usize = 72;
/// Addresses per [`Poptrie::lookup_batch`]: enough independent loads to keep the
/// memory system busy, few enough that a batch's instructions fit the reorder window.
pub(super) const BATCH: usize = 8;
/// Arena bytes below which garbage is left for growth to compact (a host-sized table).
const RECLAIM_MIN: usize = 1 << 16;
/// A freed entry of `children`.
const FREE: u32 = u32::MAX;

/// The stored form of a slot value (nonzero).
fn to_stored(value: u32) -> u32 {
    if value & CHILD != 0 { LEAF_CHILD | (value & !CHILD) } else { value }
}

/// The slot value of a stored leaf.
fn from_stored(stored: u32) -> u32 {
    if stored & LEAF_CHILD != 0 { CHILD | (stored & !LEAF_CHILD) } else { stored }
}

/// `if condition { a } else { b }` as arithmetic, so it cannot become a branch on a
/// value that has just been loaded from memory.
#[inline(always)]
fn select(condition: bool, a: u32, b: u32) -> u32 {
    let mask = u32::from(condition).wrapping_neg();
    (a & mask) | (b & !mask)
}

/// Where the `covered` bits of 64-bit word `w` are: each word's two bitmaps are
/// side by side, so a lookup reads one 16-byte piece of them.
const fn covered_at(w: usize) -> usize {
    WORDS_AT + 16 * w
}

/// Where the `start` bits of 64-bit word `w` are.
const fn start_at(w: usize) -> usize {
    WORDS_AT + 16 * w + 8
}

/// Bytes the node at `node` of `arena` takes: header, runs and spare room.
fn size_in(arena: &[u8], node: usize) -> usize {
    let runs: usize = (0..4).map(|w| u64_at(arena, node + start_at(w)).count_ones() as usize).sum();
    node_bytes(runs + (u32_at(arena, node + DEFAULT_AT) >> SPARE_SHIFT) as usize)
}

/// Bytes a node with `runs` leaves takes, padded so nodes stay 4-byte aligned.
fn node_bytes(runs: usize) -> usize {
    (HEADER + runs * LEAF_BYTES + 3) & !3
}

#[inline(always)]
fn u32_at(arena: &[u8], at: usize) -> u32 {
    match arena.get(at..at.wrapping_add(4)) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

#[inline(always)]
fn u64_at(arena: &[u8], at: usize) -> u64 {
    arena.get(at..at.wrapping_add(8)).and_then(|bytes| bytes.try_into().ok()).map_or(0, u64::from_le_bytes)
}

#[inline(always)]
fn leaf_at(arena: &[u8], at: usize) -> u32 {
    match arena.get(at..at.wrapping_add(LEAF_BYTES)) {
        Some(&[a, b, c]) => u32::from_le_bytes([a, b, c, 0]),
        _ => 0,
    }
}

/// The stored value of `slot` of the node at `node`: its leaf, or the node's default.
/// Branch-free: whether a slot is covered varies from one destination to the next, and
/// a mispredicted branch on a word just loaded would serialise the cache misses of
/// consecutive lookups.
#[inline(always)]
fn slot_value(arena: &[u8], node: usize, slot: u32) -> u32 {
    // Wrapping offsets: an uncovered slot before the node's first run has rank 0 and
    // points its (unused) leaf read before the node, and a stale offset must read
    // nothing rather than overflow; out-of-range reads return 0.
    let at = |offset: usize| node.wrapping_add(offset);
    let word = (slot >> 6) as usize & 3;
    let bit = slot & 63;
    let covered = (u64_at(arena, at(covered_at(word))) >> bit) & 1 != 0;
    let through = u64_at(arena, at(start_at(word))) & (u64::MAX >> (63 - bit));
    let rank_before = arena.get(at(RANKS_AT + word)).copied().unwrap_or(0);
    let rank = u32::from(rank_before) + through.count_ones();
    let leaf =
        leaf_at(arena, at(HEADER).wrapping_add(LEAF_BYTES.wrapping_mul((rank as usize).wrapping_sub(1))));
    select(covered, leaf, u32_at(arena, at(DEFAULT_AT)) & VALUE_MASK)
}

/// A node's decoded form: its default and its 256 slot values (0 for uncovered).
struct Decoded {
    default: u32,
    slots: [u32; SLOTS],
}

/// The lookup structure; `prefix_len(id)` answers the prefix length of a route id.
#[derive(Debug, Clone)]
pub(super) struct Poptrie {
    top: Box<[u32; 1 << 16]>,
    arena: Vec<u8>,
    /// Byte offsets of level-2 nodes (leaves point here, so a moved node updates one
    /// word), [`FREE`] for a freed entry.
    children: Vec<u32>,
    free_children: Vec<u32>,
    /// Bytes of `arena` that no node uses any more.
    garbage: usize,
    /// Spare leaves a node gets when it moves ([`SLACK`]; none while building).
    slack: usize,
    /// Offsets of freed nodes by capacity (leaves of room), reused by the next node of
    /// that capacity before the arena grows; their bytes count as garbage meanwhile.
    free_blocks: Vec<Vec<u32>>,
}

/// Grows `vec` by a 64th (at least `min`) when `min` more would not fit, instead of
/// doubling.
fn reserve_slack<T>(vec: &mut Vec<T>, min: usize) {
    if vec.len() + min > vec.capacity() {
        vec.reserve_exact((vec.len() / 64).max(min).max(64));
    }
}

impl Poptrie {
    pub(super) fn new() -> Self {
        Self {
            top: Box::new([0; 1 << 16]),
            arena: Vec::new(),
            children: Vec::new(),
            free_children: Vec::new(),
            garbage: 0,
            slack: SLACK,
            free_blocks: Vec::new(),
        }
    }

    /// The structure for `routes` (network, prefix length, route id) in one pass: each
    /// node is decoded from its routes and encoded once, where inserting one route at a
    /// time re-encodes a node per route.
    pub(super) fn build(routes: &[(u32, u8, u32)]) -> Self {
        // Nodes built from all their routes get no spare room: most are never updated.
        let mut trie = Self { slack: 0, ..Self::new() };
        let mut by_len: Vec<(u32, u8, u32)> = routes.to_vec();
        // Shorter prefixes first, so that longer ones overwrite the slots they cover.
        by_len.sort_unstable_by_key(|&(addr, len, _)| (len, addr));
        let split = by_len.partition_point(|&(_, len, _)| len <= 16);
        for &(addr, len, id) in &by_len[..split] {
            let chunk = (addr >> 16) as usize;
            trie.top[chunk..chunk + (1 << (16 - len))].fill(id + 1);
        }
        let mut long = by_len.split_off(split);
        // Grouped by /16, longest last within each group (the sort is stable).
        long.sort_by_key(|&(addr, _, _)| addr >> 16);
        trie.arena.reserve_exact(long.len() * 2 * LEAF_BYTES + long.len().min(1 << 16) * HEADER);
        for group in long.chunk_by(|a, b| a.0 >> 16 == b.0 >> 16) {
            let chunk = (group[0].0 >> 16) as usize;
            let mut level1 = Decoded { default: trie.top[chunk], slots: [0; SLOTS] };
            for &(addr, len, id) in group.iter().filter(|&&(_, len, _)| len <= 24) {
                let slot = ((addr >> 8) & 0xff) as usize;
                level1.slots[slot..slot + (1 << (24 - len))].fill(id + 1);
            }
            let mut deep: Vec<(u32, u8, u32)> =
                group.iter().filter(|&&(_, len, _)| len > 24).copied().collect();
            deep.sort_by_key(|&(addr, _, _)| addr >> 8);
            for block in deep.chunk_by(|a, b| a.0 >> 8 == b.0 >> 8) {
                let slot = ((block[0].0 >> 8) & 0xff) as usize;
                let above = level1.slots[slot];
                let default = if above == 0 { level1.default } else { above };
                let mut level2 = Decoded { default, slots: [0; SLOTS] };
                for &(addr, len, id) in block {
                    let low = (addr & 0xff) as usize;
                    level2.slots[low..low + (1 << (32 - len))].fill(id + 1);
                }
                let index = trie.alloc_child();
                trie.store_child(index, &level2);
                level1.slots[slot] = CHILD | index;
            }
            trie.store_chunk(chunk, &level1);
        }
        trie.arena.shrink_to_fit();
        trie.children.shrink_to_fit();
        trie.slack = SLACK;
        trie
    }

    /// The value for `addr`: 0 or a route id plus one.
    ///
    /// The branch on the top entry resolves from an array that stays in L2; the branch
    /// to a level-2 node predicts well, as /24s holding longer prefixes are rare.
    #[inline]
    pub(super) fn lookup(&self, addr: u32) -> u32 {
        let top = self.top[(addr >> 16) as usize];
        if top & NODE == 0 {
            return top;
        }
        let stored = slot_value(&self.arena, (top & !NODE) as usize, (addr >> 8) & 0xff);
        if stored & LEAF_CHILD == 0 {
            return stored;
        }
        let child = self.children.get((stored & !LEAF_CHILD) as usize).copied().unwrap_or(FREE);
        slot_value(&self.arena, child as usize, addr & 0xff)
    }

    /// [`lookup`](Self::lookup) of each address of a batch, stage by stage: every top
    /// entry, then every level-1 slot, then the rare level-2 slots. The loads of one
    /// stage do not depend on each other, so their cache misses overlap instead of each
    /// lookup waiting for the one before.
    #[inline]
    pub(super) fn lookup_batch(&self, values: &mut [u32; BATCH]) {
        let addrs = *values;
        for (value, addr) in values.iter_mut().zip(addrs) {
            *value = self.top[(addr >> 16) as usize];
        }
        for (value, addr) in values.iter_mut().zip(addrs) {
            if *value & NODE != 0 {
                *value = slot_value(&self.arena, (*value & !NODE) as usize, (addr >> 8) & 0xff);
            }
        }
        for (value, addr) in values.iter_mut().zip(addrs) {
            if *value & LEAF_CHILD != 0 {
                let child = self.children.get((*value & !LEAF_CHILD) as usize).copied().unwrap_or(FREE);
                *value = slot_value(&self.arena, child as usize, addr & 0xff);
            }
        }
    }

    /// Bytes allocated: the top array, the arena (with its garbage and spare capacity)
    /// and the child offsets.
    pub(super) fn memory_bytes(&self) -> usize {
        core::mem::size_of::<[u32; 1 << 16]>()
            + self.arena.capacity()
            + 4 * (self.children.capacity() + self.free_children.capacity())
            + self.free_blocks.capacity() * core::mem::size_of::<Vec<u32>>()
            + self.free_blocks.iter().map(|blocks| 4 * blocks.capacity()).sum::<usize>()
    }

    /// Makes route `id` (of length `len`) the value of every address of `addr/len` not
    /// held by a longer prefix.
    pub(super) fn insert(&mut self, addr: u32, len: u8, id: u32, prefix_len: &impl Fn(u32) -> u8) {
        let leaf = id + 1;
        let wins = |old: u32| old == 0 || prefix_len(old - 1) <= len;
        let chunk = (addr >> 16) as usize;
        if len <= 16 {
            for chunk in chunk..chunk + (1 << (16 - len)) {
                self.update_defaults(chunk, |old| if wins(old) { leaf } else { old });
            }
            return;
        }
        let slot = ((addr >> 8) & 0xff) as usize;
        if len <= 24 {
            let take = |old: u32| if wins(old) { leaf } else { old };
            self.update_level1(chunk, slot..slot + (1 << (24 - len)), take, take);
            return;
        }
        let mut level1 = self.decode_chunk(chunk);
        let value = level1.slots[slot];
        let (index, mut level2) = if value & CHILD != 0 {
            (value & !CHILD, self.decode(self.child_offset(value)))
        } else {
            // The /24's value before expansion: its 17–24 route, else the /16's.
            let default = if value == 0 { level1.default } else { value };
            (self.alloc_child(), Decoded { default, slots: [0; SLOTS] })
        };
        let low = (addr & 0xff) as usize;
        for value in &mut level2.slots[low..low + (1 << (32 - len))] {
            if wins(*value) {
                *value = leaf;
            }
        }
        self.store_child(index, &level2);
        if value & CHILD == 0 {
            level1.slots[slot] = CHILD | index;
            self.store_chunk(chunk, &level1);
        }
    }

    /// For a prefix `addr/len` longer than 16, what [`remove`](Self::remove) needs to
    /// know of the routes covering it that the caller need not search: the stride
    /// boundary below it (16 or 24) and the longest route no longer than that boundary
    /// covering it, as 0 or a route id plus one. For 17–24 that is the /16's default,
    /// which level-2 defaults inherit; for 25–32 it is never needed (slots it would
    /// answer are left uncovered, and the node's default already holds it), so it is 0.
    /// `(None, 0)` for prefixes of length ≤ 16, whose covering routes the caller must
    /// search itself.
    pub(super) fn covering_below_stride(&self, addr: u32, len: u8) -> (Option<u8>, u32) {
        match len {
            0..=16 => (None, 0),
            17..=24 => {
                let top = self.top[(addr >> 16) as usize];
                let default = if top & NODE == 0 { top } else { self.default_of((top & !NODE) as usize) };
                (Some(16), default)
            }
            _ => (Some(24), 0),
        }
    }

    /// Compacts the arena once more than a quarter of it is garbage: removals free
    /// nodes without growing the arena, so without this a table that shrinks (a
    /// withdrawn feed) would keep its peak footprint. Amortized, each freed byte costs
    /// at most three bytes of copying. Called by the table after each removal, between
    /// updates, when every node still referenced is live.
    pub(super) fn reclaim(&mut self) {
        if self.arena.len() >= RECLAIM_MIN && self.garbage > self.arena.len() / 4 {
            self.compact(0);
        }
    }

    /// Hands the addresses route `id` held in `addr/len` to `replacement` (0 or a route
    /// id plus one: the longest remaining prefix covering `addr/len`); the caller then
    /// calls [`reclaim`](Self::reclaim).
    pub(super) fn remove(
        &mut self,
        addr: u32,
        len: u8,
        id: u32,
        replacement: u32,
        prefix_len: &impl Fn(u32) -> u8,
    ) {
        let leaf = id + 1;
        let chunk = (addr >> 16) as usize;
        if len <= 16 {
            for chunk in chunk..chunk + (1 << (16 - len)) {
                self.update_defaults(chunk, |old| if old == leaf { replacement } else { old });
            }
            return;
        }
        if self.top[chunk] & NODE == 0 {
            return;
        }
        let replacement_len = replacement.checked_sub(1).map_or(0, prefix_len);
        // A slot answered by a route of at most the parent's stride is left uncovered.
        let covering = |stride_end: u8| if replacement_len > stride_end { replacement } else { 0 };
        let slot = ((addr >> 8) & 0xff) as usize;
        if len <= 24 {
            let hand_over = |to: u32| move |old: u32| if old == leaf { to } else { old };
            self.update_level1(
                chunk,
                slot..slot + (1 << (24 - len)),
                hand_over(covering(16)),
                hand_over(replacement),
            );
            return;
        }
        let mut level1 = self.decode_chunk(chunk);
        let value = level1.slots[slot];
        if value & CHILD == 0 {
            return;
        }
        let index = value & !CHILD;
        let mut level2 = self.decode(self.child_offset(value));
        let low = (addr & 0xff) as usize;
        for value in &mut level2.slots[low..low + (1 << (32 - len))] {
            if *value == leaf {
                *value = covering(24);
            }
        }
        if level2.slots.iter().all(|&v| v == 0) {
            self.free_child(index);
            let default = level2.default;
            let own = default != 0 && prefix_len(default - 1) > 16;
            level1.slots[slot] = if own { default } else { 0 };
            self.store_chunk(chunk, &level1);
        } else {
            self.store_child(index, &level2);
        }
    }

    /// Rewrites the level-1 slots `slots` of `chunk` with `update_slot`, or, for a slot
    /// holding a level-2 node, that node's default with `update_child_default`; then
    /// re-encodes the level-1 node.
    fn update_level1(
        &mut self,
        chunk: usize,
        slots: core::ops::Range<usize>,
        update_slot: impl Fn(u32) -> u32,
        update_child_default: impl Fn(u32) -> u32,
    ) {
        let mut level1 = self.decode_chunk(chunk);
        for value in &mut level1.slots[slots] {
            if *value & CHILD != 0 {
                let child = self.child_offset(*value);
                self.set_default(child, update_child_default(self.default_of(child)));
            } else {
                *value = update_slot(*value);
            }
        }
        self.store_chunk(chunk, &level1);
    }

    /// Applies `update` to the value answering `chunk` outside its longer prefixes: the
    /// top entry, or the defaults of its node and of the node's children.
    fn update_defaults(&mut self, chunk: usize, update: impl Fn(u32) -> u32) {
        let top = self.top[chunk];
        if top & NODE == 0 {
            self.top[chunk] = update(top);
            return;
        }
        let node = (top & !NODE) as usize;
        self.set_default(node, update(self.default_of(node)));
        for run in 0..self.runs(node) {
            let stored = leaf_at(&self.arena, node + HEADER + LEAF_BYTES * run);
            if stored & LEAF_CHILD != 0 {
                let child = self.child_offset(from_stored(stored));
                self.set_default(child, update(self.default_of(child)));
            }
        }
    }

    fn child_offset(&self, value: u32) -> usize {
        self.children[(value & !CHILD) as usize] as usize
    }

    fn runs(&self, node: usize) -> usize {
        (0..4).map(|w| u64_at(&self.arena, node + start_at(w)).count_ones() as usize).sum()
    }

    /// Leaves the node has room for: its runs and its spare room.
    fn capacity(&self, node: usize) -> usize {
        self.runs(node) + (u32_at(&self.arena, node + DEFAULT_AT) >> SPARE_SHIFT) as usize
    }

    fn default_of(&self, node: usize) -> u32 {
        u32_at(&self.arena, node + DEFAULT_AT) & VALUE_MASK
    }

    fn set_default(&mut self, node: usize, value: u32) {
        let spare = u32_at(&self.arena, node + DEFAULT_AT) & !VALUE_MASK;
        self.write_u32(node + DEFAULT_AT, spare | value);
    }

    fn write_u32(&mut self, at: usize, value: u32) {
        self.arena[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    /// The level-1 slots of `chunk` (all uncovered when it has no node).
    fn decode_chunk(&self, chunk: usize) -> Decoded {
        let top = self.top[chunk];
        if top & NODE == 0 {
            Decoded { default: top, slots: [0; SLOTS] }
        } else {
            self.decode((top & !NODE) as usize)
        }
    }

    /// The default and 256 slot values of the node at `node`: one step per covered
    /// slot (a node's covered slots are usually a small part of its 256).
    fn decode(&self, node: usize) -> Decoded {
        let arena = &self.arena;
        let mut slots = [0; SLOTS];
        let mut next = node + HEADER;
        let mut current = 0;
        for (w, words) in slots.chunks_exact_mut(64).enumerate() {
            let start = u64_at(arena, node + start_at(w));
            let mut covered = u64_at(arena, node + covered_at(w));
            while covered != 0 {
                let bit = covered.trailing_zeros() as usize;
                covered &= covered - 1;
                if start >> bit & 1 != 0 {
                    current = from_stored(leaf_at(arena, next));
                    next += LEAF_BYTES;
                }
                words[bit] = current;
            }
        }
        Decoded { default: self.default_of(node), slots }
    }

    /// Re-encodes the level-1 node of `chunk`, creating, moving or freeing it.
    fn store_chunk(&mut self, chunk: usize, decoded: &Decoded) {
        let top = self.top[chunk];
        let old = (top & NODE != 0).then_some((top & !NODE) as usize);
        if decoded.slots.iter().all(|&v| v == 0) {
            if let Some(node) = old {
                self.release(node);
            }
            self.top[chunk] = decoded.default;
            return;
        }
        let node = self.encode(old, decoded);
        self.top[chunk] = NODE | node as u32;
    }

    /// Re-encodes level-2 node `index`, which may move.
    fn store_child(&mut self, index: u32, decoded: &Decoded) {
        let old = self.children[index as usize];
        let node = self.encode((old != FREE).then_some(old as usize), decoded);
        self.children[index as usize] = node as u32;
    }

    /// Writes `decoded` over the node at `old` when its runs fit there, else at the end
    /// of the arena; returns the node's offset.
    fn encode(&mut self, old: Option<usize>, decoded: &Decoded) -> usize {
        let mut covered = [0u64; 4];
        let mut start = [0u64; 4];
        let mut runs = [0u32; SLOTS];
        let mut count = 0;
        let mut previous = 0;
        for (s, &value) in decoded.slots.iter().enumerate() {
            if value != 0 {
                covered[s >> 6] |= 1 << (s & 63);
                if value != previous {
                    start[s >> 6] |= 1 << (s & 63);
                    runs[count] = value;
                    count += 1;
                }
            }
            previous = value;
        }
        let old_capacity = old.map_or(0, |node| self.capacity(node));
        let (node, capacity) = match old {
            Some(node) if old_capacity >= count => (node, old_capacity),
            _ => {
                // Counted after appending: a compaction on the way still copies the old
                // node (it is referenced until the caller stores the new offset).
                let capacity = (count + self.slack).min(SLOTS);
                let (node, compacted) = self.allocate(capacity);
                match old {
                    // A compaction copied the old node (still referenced then) to an
                    // offset nobody knows: only its bytes are counted.
                    Some(_) if compacted => self.garbage += node_bytes(old_capacity),
                    Some(old) => self.release(old),
                    None => {}
                }
                (node, capacity)
            }
        };
        let spare = (capacity - count) as u32;
        let mut header = [0u8; HEADER];
        let default = decoded.default | spare << SPARE_SHIFT;
        header[DEFAULT_AT..DEFAULT_AT + 4].copy_from_slice(&default.to_le_bytes());
        let mut before = 0;
        for (w, word) in start.iter().enumerate() {
            header[RANKS_AT + w] = before as u8;
            before += word.count_ones();
        }
        for w in 0..4 {
            header[covered_at(w)..covered_at(w) + 8].copy_from_slice(&covered[w].to_le_bytes());
            header[start_at(w)..start_at(w) + 8].copy_from_slice(&start[w].to_le_bytes());
        }
        self.arena[node..node + HEADER].copy_from_slice(&header);
        for (i, &value) in runs[..count].iter().enumerate() {
            let at = node + HEADER + LEAF_BYTES * i;
            self.arena[at..at + LEAF_BYTES].copy_from_slice(&to_stored(value).to_le_bytes()[..LEAF_BYTES]);
        }
        // Room after the last leaf is zeroed, so a shrunk node stays well formed.
        self.arena[node + HEADER + LEAF_BYTES * count..node + node_bytes(capacity)].fill(0);
        node
    }

    /// Room for a node with `capacity` leaves: a freed block of that capacity, else the
    /// end of the arena, compacting it first when it is full and at least a 64th garbage
    /// (else growing it by a 64th). Says whether it compacted (every offset moved).
    fn allocate(&mut self, capacity: usize) -> (usize, bool) {
        let size = node_bytes(capacity);
        if let Some(node) = self.free_blocks.get_mut(capacity).and_then(Vec::pop) {
            self.garbage -= size;
            return (node as usize, false);
        }
        let compacted =
            self.arena.len() + size > self.arena.capacity() && self.garbage >= self.arena.len() / 64;
        if compacted {
            self.compact(size);
        }
        reserve_slack(&mut self.arena, size);
        let node = self.arena.len();
        self.arena.resize(node + size, 0);
        (node, compacted)
    }

    /// Frees the node at `node` (no longer referenced) for reuse.
    fn release(&mut self, node: usize) {
        let capacity = self.capacity(node);
        self.garbage += node_bytes(capacity);
        if self.free_blocks.len() <= capacity {
            self.free_blocks.resize_with(capacity + 1, Vec::new);
        }
        self.free_blocks[capacity].push(node as u32);
    }

    /// Copies every live node into a fresh arena, dropping the garbage.
    fn compact(&mut self, extra: usize) {
        let live = self.arena.len() - self.garbage;
        let mut arena = Vec::with_capacity(live + live / 64 + extra);
        let mut copy = |from: &[u8], node: usize| {
            let at = arena.len();
            arena.extend_from_slice(&from[node..node + size_in(from, node)]);
            at as u32
        };
        for top in self.top.iter_mut().filter(|top| **top & NODE != 0) {
            *top = NODE | copy(&self.arena, (*top & !NODE) as usize);
        }
        for child in self.children.iter_mut().filter(|child| **child != FREE) {
            *child = copy(&self.arena, *child as usize);
        }
        self.arena = arena;
        self.garbage = 0;
        self.free_blocks.clear();
    }

    fn alloc_child(&mut self) -> u32 {
        if let Some(index) = self.free_children.pop() {
            return index;
        }
        reserve_slack(&mut self.children, 1);
        self.children.push(FREE);
        (self.children.len() - 1) as u32
    }

    fn free_child(&mut self, index: u32) {
        let node = self.children[index as usize] as usize;
        self.release(node);
        self.children[index as usize] = FREE;
        reserve_slack(&mut self.free_children, 1);
        self.free_children.push(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live_nodes(trie: &Poptrie) -> usize {
        trie.top.iter().filter(|&&t| t & NODE != 0).count()
            + trie.children.iter().filter(|&&c| c != FREE).count()
    }

    #[test]
    fn nodes_follow_longer_prefixes_and_are_freed_with_them() {
        // Route ids 0..4 with lengths 8, 24, 28, 0.
        let lengths = [8u8, 24, 28, 0];
        let len_of = |id: u32| lengths[id as usize];
        let mut trie = Poptrie::new();
        trie.insert(0x0a00_0000, 8, 0, &len_of);
        assert_eq!(live_nodes(&trie), 0);
        trie.insert(0x0a01_0200, 24, 1, &len_of);
        trie.insert(0x0a01_0210, 28, 2, &len_of);
        assert_eq!(live_nodes(&trie), 2);
        assert_eq!(trie.lookup(0x0a01_0211), 3);
        assert_eq!(trie.lookup(0x0a01_0221), 2);
        assert_eq!(trie.lookup(0x0a01_0321), 1);
        assert_eq!(trie.lookup(0x0a02_0000), 1);
        assert_eq!(trie.lookup(0x0b00_0000), 0);
        // A default route reaches uncovered slots of both levels through the defaults.
        trie.insert(0, 0, 3, &len_of);
        assert_eq!(trie.lookup(0x0b00_0000), 4);
        assert_eq!(trie.lookup(0x0a01_0321), 1);
        trie.remove(0x0a00_0000, 8, 0, 4, &len_of);
        assert_eq!(trie.lookup(0x0a01_0321), 4);
        assert_eq!(trie.lookup(0x0a01_0221), 2);
        trie.remove(0x0a01_0210, 28, 2, 2, &len_of);
        assert_eq!(live_nodes(&trie), 1);
        assert_eq!(trie.lookup(0x0a01_0211), 2);
        trie.remove(0x0a01_0200, 24, 1, 4, &len_of);
        assert_eq!(live_nodes(&trie), 0);
        assert_eq!(trie.lookup(0x0a01_0211), 4);
        // A freed child index is reused rather than grown.
        trie.insert(0x0a01_0210, 28, 2, &len_of);
        assert_eq!(trie.children.len(), 1);
    }

    #[test]
    fn runs_of_one_route_take_one_leaf() {
        let lengths = [17u8, 24];
        let len_of = |id: u32| lengths[id as usize];
        let mut trie = Poptrie::new();
        trie.insert(0x0a00_0000, 17, 0, &len_of);
        let node = (trie.top[0x0a00] & !NODE) as usize;
        assert_eq!(trie.runs(node), 1);
        // A /24 inside splits the /17's run in two: three leaves.
        trie.insert(0x0a00_0500, 24, 1, &len_of);
        let node = (trie.top[0x0a00] & !NODE) as usize;
        assert_eq!(trie.runs(node), 3);
        assert_eq!(trie.lookup(0x0a00_0401), 1);
        assert_eq!(trie.lookup(0x0a00_0501), 2);
        assert_eq!(trie.lookup(0x0a00_0601), 1);
        assert_eq!(trie.lookup(0x0a00_8001), 0);
    }

    #[test]
    fn a_route_added_and_removed_again_stays_in_place() {
        let lengths = [17u8, 24, 28];
        let len_of = |id: u32| lengths[id as usize];
        let mut trie = Poptrie::new();
        trie.insert(0x0a00_0000, 17, 0, &len_of);
        trie.insert(0x0a00_0500, 24, 1, &len_of);
        trie.remove(0x0a00_0500, 24, 1, 1, &len_of);
        let (garbage, arena) = (trie.garbage, trie.arena.len());
        for _ in 0..100 {
            trie.insert(0x0a00_0500, 24, 1, &len_of);
            trie.insert(0x0a00_0510, 28, 2, &len_of);
            assert_eq!((trie.lookup(0x0a00_0501), trie.lookup(0x0a00_0511)), (2, 3));
            trie.remove(0x0a00_0510, 28, 2, 2, &len_of);
            trie.remove(0x0a00_0500, 24, 1, 1, &len_of);
            assert_eq!(trie.lookup(0x0a00_0501), 1);
        }
        // The level-1 node kept its room, and the level-2 node that comes and goes
        // reuses the block the previous one freed: after the first cycle nothing grows.
        let node = (trie.top[0x0a00] & !NODE) as usize;
        assert_eq!(trie.runs(node), 1);
        assert!(trie.capacity(node) >= 3);
        assert!(trie.arena.len() - arena <= node_bytes(1 + SLACK), "{} bytes more", trie.arena.len() - arena);
        assert_eq!(trie.garbage - garbage, trie.arena.len() - arena);
    }

    #[test]
    fn memory_follows_a_table_down_after_mass_removals() {
        // 16,384 /28s filling 1,024 /24s of four /16s: many level-2 nodes, then all but
        // one route in 64 withdrawn.
        const ROUTES: u32 = 1 << 14;
        let lengths = vec![28u8; ROUTES as usize];
        let len_of = |id: u32| lengths[id as usize];
        let addr = |id: u32| 0x0a00_0000 | (id / 16) << 8 | (id % 16) << 4;
        let mut trie = Poptrie::new();
        for id in 0..ROUTES {
            trie.insert(addr(id), 28, id, &len_of);
        }
        let peak = trie.arena.capacity();
        assert!(peak >= RECLAIM_MIN);
        for id in (0..ROUTES).filter(|id| id % 64 != 0) {
            trie.remove(addr(id), 28, id, 0, &len_of);
            trie.reclaim();
            assert!(trie.garbage <= trie.arena.len() / 4 || trie.arena.len() < RECLAIM_MIN);
        }
        for id in 0..ROUTES {
            let expected = if id % 64 == 0 { id + 1 } else { 0 };
            assert_eq!(trie.lookup(addr(id) | 1), expected, "{:#x}", addr(id));
        }
        assert!(trie.arena.capacity() < peak / 2, "{} of {peak} arena bytes kept", trie.arena.capacity());
    }

    #[test]
    fn compaction_keeps_every_answer_and_drops_the_garbage() {
        // /24s grow one /16's node past its room again and again, leaving garbage behind.
        let lengths: Vec<u8> = (0..200).map(|i| if i % 2 == 0 { 24 } else { 30 }).collect();
        let len_of = |id: u32| lengths[id as usize];
        let mut trie = Poptrie::new();
        for id in 0..200u32 {
            let addr = if id % 2 == 0 { 0x0a00_0000 | (id << 8) } else { 0x0b00_0000 | ((id - 1) << 8) | 4 };
            trie.insert(addr, lengths[id as usize], id, &len_of);
        }
        let before = trie.garbage;
        trie.compact(0);
        assert_eq!(trie.garbage, 0);
        assert!(before > 0, "growing nodes must have left garbage");
        for id in 0..200u32 {
            let addr = if id % 2 == 0 { 0x0a00_0001 | (id << 8) } else { 0x0b00_0005 | ((id - 1) << 8) };
            assert_eq!(trie.lookup(addr), id + 1, "{addr:#x}");
        }
        assert_eq!(trie.lookup(0x0b00_0001), 0);
    }
}
