//! A FIFO with a fixed capacity and a stated overflow rule.

use std::collections::VecDeque;

/// What a full [`BoundedQueue`] does with one more item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Drop the oldest item to make room (event logs: the newest state matters most).
    DropOldest,
    /// Refuse the new item (receive queues: what was accepted is kept, as a full socket
    /// buffer does).
    DropNewest,
}

/// A FIFO that never holds more than its capacity, and counts what it dropped.
#[derive(Debug, Clone)]
pub struct BoundedQueue<T> {
    items: VecDeque<T>,
    capacity: usize,
    overflow: Overflow,
    dropped: u64,
}

impl<T> BoundedQueue<T> {
    /// An empty queue of at most `capacity` items (0 holds nothing).
    pub fn new(capacity: usize, overflow: Overflow) -> Self {
        Self { items: VecDeque::new(), capacity, overflow, dropped: 0 }
    }

    /// Appends `item`; returns false when an item (the oldest or this one, per the
    /// overflow rule) was dropped to respect the capacity.
    pub fn push(&mut self, item: T) -> bool {
        if self.items.len() < self.capacity {
            self.items.push_back(item);
            return true;
        }
        self.dropped += 1;
        if self.overflow == Overflow::DropOldest && self.capacity > 0 {
            self.items.pop_front();
            self.items.push_back(item);
        }
        false
    }

    /// Reserves room for up to `items` items (never more than the capacity) so that the
    /// first pushes do not allocate. An allocation failure is ignored: the queue then
    /// grows on demand.
    pub fn preallocate(&mut self, items: usize) {
        let _ = self.items.try_reserve(items.min(self.capacity));
    }

    /// Removes and returns the oldest item.
    pub fn pop(&mut self) -> Option<T> {
        self.items.pop_front()
    }

    /// The oldest item, without removing it.
    pub fn front(&self) -> Option<&T> {
        self.items.front()
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether one more push would drop something.
    pub fn is_full(&self) -> bool {
        self.items.len() >= self.capacity
    }

    /// The capacity.
    pub const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Items dropped so far because the queue was full.
    pub const fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The items, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter()
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        self.items.clear();
    }
}
