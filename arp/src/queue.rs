use std::collections::VecDeque;

/// A FIFO that holds at most `capacity` items: pushing onto a full queue drops the
/// oldest item and counts it.
#[derive(Debug)]
pub(crate) struct BoundedQueue<T> {
    items: VecDeque<T>,
    capacity: usize,
    dropped: u64,
}

impl<T> BoundedQueue<T> {
    pub(crate) const fn new(capacity: usize) -> Self {
        Self { items: VecDeque::new(), capacity, dropped: 0 }
    }

    pub(crate) fn push(&mut self, item: T) {
        if self.capacity == 0 {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        if self.items.len() >= self.capacity {
            self.items.pop_front();
            self.dropped = self.dropped.saturating_add(1);
        }
        self.items.push_back(item);
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        self.items.pop_front()
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) const fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::BoundedQueue;

    #[test]
    fn a_full_queue_drops_its_oldest_item_and_counts_it() {
        let mut queue = BoundedQueue::new(2);
        for item in 1..=3 {
            queue.push(item);
        }
        assert_eq!(queue.dropped(), 1);
        assert_eq!((queue.pop(), queue.pop(), queue.pop()), (Some(2), Some(3), None));
    }

    #[test]
    fn a_zero_capacity_queue_holds_nothing() {
        let mut queue = BoundedQueue::new(0);
        queue.push('x');
        assert_eq!((queue.pop(), queue.dropped()), (None, 1));
    }
}
