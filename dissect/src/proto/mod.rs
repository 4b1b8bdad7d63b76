//! One module per protocol: how its layer is decoded into fields, and how tshark's Info
//! column describes it. A new protocol adds a module here, its [`crate::Field`] variants,
//! and a line in the dispatch of its lower layer.

pub(crate) mod arp;
pub(crate) mod dhcp;
pub(crate) mod dns;
pub(crate) mod ethernet;
pub(crate) mod icmp;
pub(crate) mod ipv4;
pub(crate) mod tcp;
pub(crate) mod tls;
pub(crate) mod udp;
