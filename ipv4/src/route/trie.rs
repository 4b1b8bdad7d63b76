//! A 16-8-8 multibit trie with controlled prefix expansion (the layout of Gupta,
//! Lin & McKeown's DIR-24-8, split once more so memory follows the table).
//!
//! Every slot is a `u32`: `0` is "no route", `1..CHILD` is a route id plus one, and
//! `CHILD | n` points at chunk `n` of the next level. A prefix of length `l` is expanded
//! into the `2^(stride_end - l)` slots it covers at the level whose stride ends at or
//! after `l`; a slot keeps the longest prefix covering it, so the owner's length decides
//! whether a new prefix overwrites it.

/// Slot flag: the rest of the word is a chunk index of the next level.
pub(super) const CHILD: u32 = 1 << 31;
/// Slots per level-2 and level-3 chunk.
const CHUNK: usize = 256;

type Chunk = [u32; CHUNK];

/// The lookup structure; `prefix_len(id)` answers the owner length of a route id.
#[derive(Debug, Clone)]
pub(super) struct Trie {
    level1: Box<[u32; 1 << 16]>,
    level2: Vec<Chunk>,
    level2_free: Vec<u32>,
    level3: Vec<Chunk>,
    level3_free: Vec<u32>,
}

/// Where a slot range lives: level 1 (one array), or chunk `n` of level 2 or 3.
#[derive(Clone, Copy)]
enum Level {
    One,
    Two(u32),
    Three(u32),
}

impl Level {
    /// The level of the chunk a child `slot` at this level points to.
    fn child(self, slot: u32) -> Self {
        match self {
            Self::One => Self::Two(slot & !CHILD),
            Self::Two(_) | Self::Three(_) => Self::Three(slot & !CHILD),
        }
    }
}

impl Trie {
    pub(super) fn new() -> Self {
        Self {
            level1: Box::new([0; 1 << 16]),
            level2: Vec::new(),
            level2_free: Vec::new(),
            level3: Vec::new(),
            level3_free: Vec::new(),
        }
    }

    /// The slot value for `addr`: 0 or a route id plus one.
    #[inline]
    pub(super) fn lookup(&self, addr: u32) -> u32 {
        let slot = self.level1[(addr >> 16) as usize];
        if slot & CHILD == 0 {
            return slot;
        }
        let Some(chunk) = self.level2.get((slot & !CHILD) as usize) else {
            return 0;
        };
        let slot = chunk[((addr >> 8) & 0xff) as usize];
        if slot & CHILD == 0 {
            return slot;
        }
        self.level3.get((slot & !CHILD) as usize).map_or(0, |chunk| chunk[(addr & 0xff) as usize])
    }

    /// Bytes of the arrays in use (freed chunks wait in the pools for reuse).
    pub(super) fn memory_bytes(&self) -> usize {
        let chunks = self.level2.len() - self.level2_free.len() + self.level3.len() - self.level3_free.len();
        4 * (1 << 16) + core::mem::size_of::<Chunk>() * chunks
    }

    fn slots_mut(&mut self, level: Level) -> &mut [u32] {
        match level {
            Level::One => &mut self.level1[..],
            Level::Two(n) => &mut self.level2[n as usize][..],
            Level::Three(n) => &mut self.level3[n as usize][..],
        }
    }

    fn alloc(chunks: &mut Vec<Chunk>, free: &mut Vec<u32>, fill: u32) -> u32 {
        match free.pop() {
            Some(n) => {
                chunks[n as usize] = [fill; CHUNK];
                n
            }
            None => {
                chunks.push([fill; CHUNK]);
                (chunks.len() - 1) as u32
            }
        }
    }

    /// The level-2 chunk under level-1 slot `index`, created if needed.
    fn child2(&mut self, index: usize) -> u32 {
        let slot = self.level1[index];
        if slot & CHILD != 0 {
            return slot & !CHILD;
        }
        let n = Self::alloc(&mut self.level2, &mut self.level2_free, slot);
        self.level1[index] = CHILD | n;
        n
    }

    /// The level-3 chunk under slot `index` of level-2 chunk `two`, created if needed.
    fn child3(&mut self, two: u32, index: usize) -> u32 {
        let slot = self.level2[two as usize][index];
        if slot & CHILD != 0 {
            return slot & !CHILD;
        }
        let n = Self::alloc(&mut self.level3, &mut self.level3_free, slot);
        self.level2[two as usize][index] = CHILD | n;
        n
    }

    /// The level and slot range that prefix `addr/len` expands into, creating chunks.
    fn place(&mut self, addr: u32, len: u8) -> (Level, usize, usize) {
        let len = u32::from(len.min(32));
        if len <= 16 {
            let count = 1usize << (16 - len);
            ((Level::One), (addr >> 16) as usize, count)
        } else if len <= 24 {
            let two = self.child2((addr >> 16) as usize);
            (Level::Two(two), ((addr >> 8) & 0xff) as usize, 1 << (24 - len))
        } else {
            let two = self.child2((addr >> 16) as usize);
            let three = self.child3(two, ((addr >> 8) & 0xff) as usize);
            (Level::Three(three), (addr & 0xff) as usize, 1 << (32 - len))
        }
    }

    /// Makes route `id` (of prefix length `len`) the owner of every address of
    /// `addr/len` not owned by a longer prefix.
    pub(super) fn insert(&mut self, addr: u32, len: u8, id: u32, prefix_len: &impl Fn(u32) -> u8) {
        let (level, start, count) = self.place(addr, len);
        let leaf = id + 1;
        for index in start..start + count {
            self.overwrite(level, index, leaf, len, prefix_len);
        }
    }

    fn overwrite(&mut self, level: Level, index: usize, leaf: u32, len: u8, prefix_len: &impl Fn(u32) -> u8) {
        let slot = self.slots_mut(level)[index];
        if slot & CHILD != 0 {
            let child = level.child(slot);
            for child_index in 0..CHUNK {
                self.overwrite(child, child_index, leaf, len, prefix_len);
            }
        } else if slot == 0 || prefix_len(slot - 1) <= len {
            self.slots_mut(level)[index] = leaf;
        }
    }

    /// Hands the addresses route `id` owned in `addr/len` to `replacement` (0 or a
    /// route id plus one), then frees chunks left without longer prefixes.
    pub(super) fn remove(
        &mut self,
        addr: u32,
        len: u8,
        id: u32,
        replacement: u32,
        prefix_len: &impl Fn(u32) -> u8,
    ) {
        let (level, start, count) = self.place(addr, len);
        for index in start..start + count {
            self.replace(level, index, id + 1, replacement);
        }
        self.compact(addr, prefix_len);
    }

    fn replace(&mut self, level: Level, index: usize, leaf: u32, replacement: u32) {
        let slot = self.slots_mut(level)[index];
        if slot & CHILD != 0 {
            let child = level.child(slot);
            for child_index in 0..CHUNK {
                self.replace(child, child_index, leaf, replacement);
            }
        } else if slot == leaf {
            self.slots_mut(level)[index] = replacement;
        }
    }

    /// Frees the level-3 and level-2 chunks on `addr`'s path that no longer hold a
    /// prefix longer than their parent's stride: all their slots are then equal.
    fn compact(&mut self, addr: u32, prefix_len: &impl Fn(u32) -> u8) {
        let index1 = (addr >> 16) as usize;
        let slot1 = self.level1[index1];
        if slot1 & CHILD == 0 {
            return;
        }
        let two = slot1 & !CHILD;
        let index2 = ((addr >> 8) & 0xff) as usize;
        let slot2 = self.level2[two as usize][index2];
        if slot2 & CHILD != 0 {
            let three = slot2 & !CHILD;
            let chunk = &self.level3[three as usize];
            if chunk.iter().all(|&s| s == 0 || prefix_len(s - 1) <= 24) {
                self.level2[two as usize][index2] = chunk[0];
                self.level3_free.push(three);
            }
        }
        let chunk = &self.level2[two as usize];
        if chunk.iter().all(|&s| s & CHILD == 0 && (s == 0 || prefix_len(s - 1) <= 16)) {
            self.level1[index1] = chunk[0];
            self.level2_free.push(two);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEVEL1: usize = 4 << 16;

    #[test]
    fn chunks_follow_longer_prefixes_and_are_freed_with_them() {
        // Route ids 0..3 with lengths 8, 24, 28.
        let lengths = [8u8, 24, 28];
        let len_of = |id: u32| lengths[id as usize];
        let mut trie = Trie::new();
        trie.insert(0x0a00_0000, 8, 0, &len_of);
        assert_eq!(trie.memory_bytes(), LEVEL1);
        trie.insert(0x0a01_0200, 24, 1, &len_of);
        trie.insert(0x0a01_0210, 28, 2, &len_of);
        assert_eq!(trie.memory_bytes(), LEVEL1 + 2 * 1024);
        assert_eq!(trie.lookup(0x0a01_0211), 3);
        assert_eq!(trie.lookup(0x0a01_0221), 2);
        assert_eq!(trie.lookup(0x0a01_0321), 1);
        assert_eq!(trie.lookup(0x0b00_0000), 0);
        trie.remove(0x0a01_0210, 28, 2, 2, &len_of);
        assert_eq!(trie.memory_bytes(), LEVEL1 + 1024);
        assert_eq!(trie.lookup(0x0a01_0211), 2);
        trie.remove(0x0a01_0200, 24, 1, 1, &len_of);
        assert_eq!(trie.memory_bytes(), LEVEL1);
        assert_eq!(trie.lookup(0x0a01_0211), 1);
        // A freed chunk is reused rather than grown.
        trie.insert(0x0a01_0210, 28, 2, &len_of);
        assert_eq!(trie.level3.len(), 1);
        assert_eq!(trie.level2.len(), 1);
    }
}
