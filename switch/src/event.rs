use core::fmt;
use core::time::Duration;

use ethernet::MacAddress;

use crate::PortId;

/// A change to the MAC table, drained with
/// [`LearningBridge::poll_event`](crate::LearningBridge::poll_event).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BridgeEvent {
    /// A new station was learned.
    Learned {
        /// The station's address.
        mac: MacAddress,
        /// The port it was seen on.
        port: PortId,
    },
    /// A known station showed up on another port (it was moved, or the topology changed).
    Moved {
        /// The station's address.
        mac: MacAddress,
        /// The port it was known on.
        from: PortId,
        /// The port it is now seen on.
        to: PortId,
    },
    /// A station was silent for the aging time and its entry was removed.
    Aged {
        /// The station's address.
        mac: MacAddress,
        /// The port it was known on.
        port: PortId,
    },
    /// A new station was not learned because the table is full of live entries. Its
    /// frame was still forwarded.
    TableFull {
        /// The station's address.
        mac: MacAddress,
        /// The port it was seen on.
        port: PortId,
    },
    /// A port's entries were removed by
    /// [`LearningBridge::flush_port`](crate::LearningBridge::flush_port) (link down).
    Flushed {
        /// The port.
        port: PortId,
        /// How many entries were removed.
        removed: usize,
    },
}

impl fmt::Display for BridgeEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Learned { mac, port } => write!(f, "learned {mac} on port {port}"),
            Self::Moved { mac, from, to } => {
                write!(f, "{mac} moved from port {from} to port {to}")
            }
            Self::Aged { mac, port } => write!(f, "{mac} on port {port} aged out"),
            Self::TableFull { mac, port } => {
                write!(f, "MAC table full: {mac} on port {port} not learned")
            }
            Self::Flushed { port, removed } => {
                write!(f, "flushed {removed} entries of port {port}")
            }
        }
    }
}

/// One live entry of the MAC table, as listed by
/// [`LearningBridge::entries`](crate::LearningBridge::entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableEntry {
    /// The station's address.
    pub mac: MacAddress,
    /// The port it was last seen on.
    pub port: PortId,
    /// Time since its last frame.
    pub age: Duration,
}
