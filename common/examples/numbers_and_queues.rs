//! Declares a protocol-number newtype and drains a bounded event queue.

use common::{BoundedQueue, Overflow};

common::protocol_number! {
    /// The Type field of a made-up routing protocol.
    pub struct MsgType(u8) as "{}" {
        /// A hello message.
        HELLO = 1 => "Hello",
        /// A route update.
        UPDATE = 2 => "Update",
    }
}

fn main() {
    for byte in [1u8, 2, 7] {
        let kind = MsgType(byte);
        println!("type {byte}: {kind} (Debug: {kind:?})");
    }
    let mut events = BoundedQueue::new(3, Overflow::DropOldest);
    for n in 1..=5 {
        events.push(format!("event {n}"));
    }
    while let Some(event) = events.pop() {
        println!("{event}");
    }
    println!("{} dropped to stay within 3", events.dropped());
}
