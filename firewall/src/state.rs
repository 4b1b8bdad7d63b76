//! A set of connection-tracking states, as the `conntrack --ctstate` match takes them.

use core::fmt;

use conntrack::CtState;

/// A set of [`CtState`]s: one bit per state, so a rule's state match is one AND.
///
/// It prints as `iptables-save` does, in netfilter's order (INVALID, NEW, RELATED,
/// ESTABLISHED, UNTRACKED), whatever order the states were given in.
///
/// ```
/// use conntrack::CtState;
/// use firewall::StateSet;
/// let set = StateSet::of(&[CtState::Established, CtState::Related]);
/// assert!(set.contains(CtState::Related));
/// assert!(!set.contains(CtState::New));
/// assert_eq!(set.to_string(), "RELATED,ESTABLISHED");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StateSet(u8);

/// The states in netfilter's bit order (`XT_CONNTRACK_STATE_*`, as iptables prints them).
const ORDER: [CtState; 5] =
    [CtState::Invalid, CtState::New, CtState::Related, CtState::Established, CtState::Untracked];

impl StateSet {
    /// No state: a rule with this state match matches nothing.
    pub const EMPTY: Self = Self(0);
    /// Every state.
    pub const ALL: Self = Self(0b1_1111);

    /// The bit standing for `state`.
    pub(crate) const fn bit(state: CtState) -> u8 {
        match state {
            CtState::Invalid => 1,
            CtState::New => 1 << 1,
            CtState::Related => 1 << 2,
            CtState::Established => 1 << 3,
            CtState::Untracked => 1 << 4,
        }
    }

    pub(crate) const fn bits(self) -> u8 {
        self.0
    }

    /// The set of the given states.
    pub const fn of(states: &[CtState]) -> Self {
        let mut set = Self::EMPTY;
        let mut i = 0;
        while i < states.len() {
            set = set.with(states[i]);
            i += 1;
        }
        set
    }

    /// This set with `state` added.
    #[must_use]
    pub const fn with(self, state: CtState) -> Self {
        Self(self.0 | Self::bit(state))
    }

    /// Whether `state` is in the set.
    pub const fn contains(self, state: CtState) -> bool {
        self.0 & Self::bit(state) != 0
    }

    /// Whether the set holds no state.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The states in the set, in netfilter's order.
    pub fn iter(self) -> impl Iterator<Item = CtState> {
        ORDER.into_iter().filter(move |&state| self.contains(state))
    }
}

impl FromIterator<CtState> for StateSet {
    fn from_iter<I: IntoIterator<Item = CtState>>(iter: I) -> Self {
        iter.into_iter().fold(Self::EMPTY, Self::with)
    }
}

impl From<CtState> for StateSet {
    fn from(state: CtState) -> Self {
        Self::EMPTY.with(state)
    }
}

impl fmt::Display for StateSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, state) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{state}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for StateSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StateSet({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_distinct_and_all_holds_every_state() {
        let mut seen = 0u8;
        for state in ORDER {
            assert_eq!(seen & StateSet::bit(state), 0, "{state} shares a bit");
            seen |= StateSet::bit(state);
            assert!(StateSet::ALL.contains(state));
            assert!(!StateSet::EMPTY.contains(state));
        }
        assert_eq!(seen, StateSet::ALL.bits());
    }

    #[test]
    fn prints_in_netfilter_order() {
        let set: StateSet = [CtState::Untracked, CtState::New, CtState::Invalid].into_iter().collect();
        assert_eq!(set.to_string(), "INVALID,NEW,UNTRACKED");
        assert_eq!(StateSet::EMPTY.to_string(), "");
    }
}
