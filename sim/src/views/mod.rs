//! Views over the trace: everything a user sees is made from the trace alone, so the
//! narrative, the pcapng, the JSON export and the topology never disagree.

pub mod describe;
pub mod export;
pub mod keylog;
pub mod narrative;
pub mod pcapng;
pub mod topology;
