use core::iter::FusedIterator;

use crate::PortId;

/// Where a frame goes, as decided by [`LearningBridge::handle_frame`].
///
/// [`LearningBridge::handle_frame`]: crate::LearningBridge::handle_frame
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Forwarding {
    /// The destination is a known station on this port (never the ingress port).
    Unicast(PortId),
    /// Broadcast, multicast or unknown unicast: out of every port except the ingress one.
    Flood {
        /// The ingress port, which never gets its own frame back.
        except: PortId,
    },
    /// Send the frame nowhere. The usual cause is a destination learned on the ingress
    /// port: the station already heard the frame on its own segment, and a bridge never
    /// hairpins. A bridge also filters frames it must not relay: an ingress port it does
    /// not have, an invalid (group or all-zero) source address, or a destination among
    /// the reserved link-local addresses 01-80-C2-00-00-00 to -0F (IEEE 802.1D).
    Filter,
}

impl Forwarding {
    /// The ports to send the frame out of, in ascending order, on a bridge with
    /// `port_count` ports. Ports at or above `port_count` are never yielded.
    ///
    /// ```
    /// use switch::{Forwarding, PortId};
    /// let flood = Forwarding::Flood { except: PortId(1) };
    /// let ports: Vec<_> = flood.egress_ports(4).collect();
    /// assert_eq!(ports, [PortId(0), PortId(2), PortId(3)]);
    /// assert_eq!(Forwarding::Unicast(PortId(2)).egress_ports(4).count(), 1);
    /// assert_eq!(Forwarding::Filter.egress_ports(4).count(), 0);
    /// ```
    pub fn egress_ports(&self, port_count: u16) -> EgressPorts {
        let end = u32::from(port_count);
        match *self {
            Self::Unicast(port) => {
                let start = u32::from(port.0);
                EgressPorts { next: start, end: (start + 1).min(end), except: None }
            }
            Self::Flood { except } => EgressPorts { next: 0, end, except: Some(except.0) },
            Self::Filter => EgressPorts { next: 0, end: 0, except: None },
        }
    }
}

/// The ports a [`Forwarding`] decision sends a frame out of; see
/// [`Forwarding::egress_ports`]. Allocation-free.
#[derive(Clone, Debug)]
pub struct EgressPorts {
    // u32 so that `end` can be one past `u16::MAX`.
    next: u32,
    end: u32,
    except: Option<u16>,
}

impl Iterator for EgressPorts {
    type Item = PortId;

    fn next(&mut self) -> Option<PortId> {
        while self.next < self.end {
            let port = u16::try_from(self.next).ok()?;
            self.next += 1;
            if Some(port) != self.except {
                return Some(PortId(port));
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = self.end.saturating_sub(self.next);
        let skipped = match self.except {
            Some(port) if (self.next..self.end).contains(&u32::from(port)) => 1,
            _ => 0,
        };
        let exact = usize::try_from(remaining - skipped).unwrap_or(usize::MAX);
        (exact, Some(exact))
    }
}

impl ExactSizeIterator for EgressPorts {}
impl FusedIterator for EgressPorts {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flood_skips_only_the_ingress_port_and_knows_its_length() {
        let flood = Forwarding::Flood { except: PortId(0) };
        let mut ports = flood.egress_ports(3);
        assert_eq!(ports.len(), 2);
        assert_eq!(ports.next(), Some(PortId(1)));
        assert_eq!(ports.len(), 1);
        assert_eq!(ports.next(), Some(PortId(2)));
        assert_eq!(ports.len(), 0);
        assert_eq!(ports.next(), None);
    }

    #[test]
    fn ports_beyond_the_count_are_never_yielded() {
        assert_eq!(Forwarding::Unicast(PortId(5)).egress_ports(5).count(), 0);
        let flood = Forwarding::Flood { except: PortId(u16::MAX) };
        assert_eq!(flood.egress_ports(u16::MAX).len(), usize::from(u16::MAX));
        let last = Forwarding::Unicast(PortId(u16::MAX));
        assert_eq!(last.egress_ports(u16::MAX).count(), 0);
        assert_eq!(Forwarding::Flood { except: PortId(9) }.egress_ports(0).len(), 0);
    }
}
