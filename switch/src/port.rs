use core::fmt;

/// A bridge port, numbered from 0 up to the bridge's port count.
///
/// ```
/// use switch::PortId;
/// assert_eq!(PortId(3).to_string(), "3");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct PortId(pub u16);

impl PortId {
    /// The port number.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl From<u16> for PortId {
    fn from(port: u16) -> Self {
        Self(port)
    }
}

impl fmt::Display for PortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
