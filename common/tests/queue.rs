//! The queue against a plain `VecDeque` model under random operations.

use std::collections::VecDeque;

use common::{BoundedQueue, Overflow};
use proptest::prelude::*;

proptest! {
    #[test]
    fn behaves_like_a_truncated_deque(
        capacity in 0usize..6,
        drop_oldest in any::<bool>(),
        ops in proptest::collection::vec(proptest::option::of(any::<u8>()), 0..64),
    ) {
        let overflow = if drop_oldest { Overflow::DropOldest } else { Overflow::DropNewest };
        let mut queue = BoundedQueue::new(capacity, overflow);
        let mut model = VecDeque::new();
        let mut dropped = 0;
        for op in ops {
            match op {
                Some(item) => {
                    let kept_all = queue.push(item);
                    if model.len() < capacity {
                        model.push_back(item);
                        prop_assert!(kept_all);
                    } else {
                        dropped += 1;
                        prop_assert!(!kept_all);
                        if drop_oldest && capacity > 0 {
                            model.pop_front();
                            model.push_back(item);
                        }
                    }
                }
                None => prop_assert_eq!(queue.pop(), model.pop_front()),
            }
            prop_assert!(queue.len() <= capacity);
            prop_assert_eq!(queue.iter().copied().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(queue.dropped(), dropped);
        }
    }
}
