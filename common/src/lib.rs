//! The pieces every packetflow protocol crate needs and none should write again:
//!
//! - [`protocol_number!`]: a newtype over a wire number (EtherType, IP protocol, ICMP
//!   type, ARP operation…) with named constants, a `name()`, and `Debug`/`Display` that
//!   print the name, or the number as engineers write it when it has none. Every value
//!   round-trips, so unknown numbers are never an error.
//! - [`BoundedQueue`]: a FIFO with a fixed capacity and a stated overflow rule, for the
//!   event and output queues of sans-IO state machines.
//!
//! ```
//! common::protocol_number! {
//!     /// The Type field of a made-up protocol.
//!     pub struct MsgType(u8) as "{}" {
//!         /// Hello.
//!         HELLO = 1 => "Hello",
//!     }
//! }
//! assert_eq!(MsgType::HELLO.to_string(), "Hello");
//! assert_eq!(MsgType(9).to_string(), "9");
//! assert_eq!(format!("{:?}", MsgType(9)), "MsgType(9)");
//!
//! let mut events = common::BoundedQueue::new(2, common::Overflow::DropOldest);
//! for event in ["a", "b", "c"] {
//!     events.push(event);
//! }
//! assert_eq!(events.pop(), Some("b"));
//! assert_eq!(events.dropped(), 1);
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod queue;

pub use queue::{BoundedQueue, Overflow};

/// Defines a newtype over a wire number with named constants.
///
/// `as "<format>"` is how a number without a name is written (`"{}"` for decimal,
/// `"{:#06x}"` for EtherTypes); `Debug` wraps it in the type's name, `Display` prints it
/// bare. The type gets `Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default`,
/// `From` both ways, and `const fn name(self) -> Option<&'static str>`.
#[macro_export]
macro_rules! protocol_number {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($repr:ty) as $unnamed:literal {
            $( $(#[$cmeta:meta])* $konst:ident = $value:literal => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        $vis struct $name(pub $repr);

        impl $name {
            $( $(#[$cmeta])* pub const $konst: Self = Self($value); )*

            /// The value's name, if it has one here.
            pub const fn name(self) -> ::core::option::Option<&'static str> {
                match self.0 {
                    $( $value => ::core::option::Option::Some($text), )*
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl ::core::convert::From<$repr> for $name {
            fn from(value: $repr) -> Self {
                Self(value)
            }
        }

        impl ::core::convert::From<$name> for $repr {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    ::core::option::Option::Some(name) => f.write_str(name),
                    ::core::option::Option::None => {
                        f.write_str(concat!(stringify!($name), "("))?;
                        write!(f, $unnamed, self.0)?;
                        f.write_str(")")
                    }
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    ::core::option::Option::Some(name) => f.write_str(name),
                    ::core::option::Option::None => write!(f, $unnamed, self.0),
                }
            }
        }
    };
}

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
