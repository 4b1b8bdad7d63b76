//! The network namespace live mode creates, so that nothing of the simulated network
//! reaches the caller's own: created with `ip netns add`, removed (with its TAP device
//! and its `/etc/netns/NAME` files) when dropped.

use std::path::PathBuf;
use std::process::Command;

use super::LiveError;

/// A network namespace this process created; dropping it deletes it.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

/// Capability bits (linux/capability.h) live mode needs.
const CAP_NET_ADMIN: u32 = 12;
const CAP_SYS_ADMIN: u32 = 21;

/// Checks that this process may create namespaces and TAP devices: `CAP_NET_ADMIN` and
/// `CAP_SYS_ADMIN` in its effective set (as root has), `/dev/net/tun`, and the `ip`
/// command.
pub fn check_privileges() -> Result<(), LiveError> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let effective = status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    let missing: Vec<&str> = [(CAP_NET_ADMIN, "CAP_NET_ADMIN"), (CAP_SYS_ADMIN, "CAP_SYS_ADMIN")]
        .into_iter()
        .filter(|(bit, _)| effective & (1 << bit) == 0)
        .map(|(_, name)| name)
        .collect();
    if !missing.is_empty() {
        return Err(LiveError::Privileges(format!(
            "{} (to create a network namespace and a TAP device); run it as root, e.g. with sudo",
            missing.join(" and ")
        )));
    }
    if !std::path::Path::new("/dev/net/tun").exists() {
        return Err(LiveError::Privileges("/dev/net/tun (the TUN/TAP driver) is missing".to_owned()));
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Err(LiveError::Privileges("the `ip` command (iproute2) is not installed".to_owned()));
    }
    Ok(())
}

/// Whether `name` is safe as a namespace or interface name: letters, digits, `-`, `_`.
pub(crate) fn valid_name(name: &str, max_len: usize) -> bool {
    !name.is_empty()
        && name.len() <= max_len
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Runs `ip args…`, failing with its standard error.
pub(crate) fn ip(args: &[&str]) -> Result<(), LiveError> {
    let output = Command::new("ip")
        .args(args)
        .output()
        .map_err(|error| LiveError::Setup(format!("running `ip {}`: {error}", args.join(" "))))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(LiveError::Setup(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

impl Netns {
    /// Creates the namespace `name` (refusing one that already exists: it may be another
    /// session's) with its loopback up.
    pub fn create(name: &str) -> Result<Self, LiveError> {
        if !valid_name(name, 64) {
            return Err(LiveError::Setup(format!("`{name}` is not a usable namespace name")));
        }
        if std::path::Path::new("/run/netns").join(name).exists() {
            return Err(LiveError::Setup(format!(
                "network namespace `{name}` already exists (another session, or one that was killed: \
                 `ip netns del {name}` removes it)"
            )));
        }
        ip(&["netns", "add", name])?;
        let netns = Self { name: name.to_owned() };
        netns.exec(&["ip", "link", "set", "lo", "up"])?;
        Ok(netns)
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `ip netns exec NAME args…` and waits for it.
    pub fn exec(&self, args: &[&str]) -> Result<(), LiveError> {
        let mut all = vec!["netns", "exec", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all)
    }

    /// Where `ip netns exec` finds this namespace's `/etc` files (resolv.conf).
    pub fn etc_dir(&self) -> PathBuf {
        PathBuf::from("/etc/netns").join(&self.name)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Nothing is left to report to if this fails; the next `create` says how to clean up.
        let _ = ip(&["netns", "del", &self.name]);
        let _ = std::fs::remove_dir_all(self.etc_dir());
    }
}
