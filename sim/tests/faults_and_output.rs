//! What a user hits in the first hour: output that cannot be written, closed pipes,
//! bad options, and link faults behaving as real links do.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use sim::scenario::{self, addr};
use sim::{Fate, Faults, LinkConfig, NodeEvent, Simulation};

fn packetflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_packetflow"))
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_full_disk_on_stdout_is_a_one_line_error_not_a_panic() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("skipping: no /dev/full on this system");
        return;
    }
    for args in [&["run", "ping"][..], &["topology"][..], &[][..]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let output = packetflow().args(args).stdout(full).output().unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains("No space left on device") && !stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_closed_pipe_ends_the_run_quietly_and_still_writes_the_files() {
    let pcap = std::env::temp_dir().join(format!("packetflow-{}-closed-pipe.pcapng", std::process::id()));
    let mut child = packetflow()
        .args(["run", "--verbose", "--pcap"])
        .arg(&pcap)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe closes
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "exit {status}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let written = std::fs::read(&pcap).unwrap();
    assert_eq!(written[..4], [0x0a, 0x0d, 0x0d, 0x0a], "a whole pcapng was written");
    std::fs::remove_file(&pcap).ok();
}

#[test]
fn an_output_file_that_cannot_be_written_is_an_error_and_leaves_nothing_behind() {
    let dir = std::env::temp_dir().join(format!("packetflow-{}-no-such-dir", std::process::id()));
    let target = dir.join("flow.pcapng");
    let output = packetflow().args(["run", "ping", "--pcap"]).arg(&target).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).contains("flow.pcapng"), "{}", stderr_of(&output));
    assert!(!stdout.contains("wrote"), "no `wrote` line for a file that was not written: {stdout}");
    assert!(!dir.exists());
    if std::path::Path::new("/dev/full").exists() {
        let output = packetflow().args(["run", "ping", "--pcap", "/dev/full"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(!String::from_utf8_lossy(&output.stdout).contains("wrote /dev/full"));
        assert!(std::fs::metadata("/dev/full").is_ok_and(|m| !m.is_file()), "the device is still a device");
    }
}

#[test]
fn bad_options_are_refused_naming_the_option() {
    for (args, option) in [
        (&["run", "--loss", "-0.1"][..], "--loss"),
        (&["run", "--mtu", "40"][..], "--mtu"),
        (&["run", "--corrupt", "1.5"][..], "--corrupt"),
        (&["run", "--reorder", "often"][..], "--reorder"),
    ] {
        let output = packetflow().args(args).output().unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr.contains(&format!("'{option} <")), "{args:?}: {stderr}");
    }
}

fn run_with(faults: Faults, seed: u64) -> Simulation {
    let mut sim = Simulation::new(seed);
    let lan = scenario::build_lan(&mut sim, LinkConfig { faults, ..LinkConfig::default() });
    scenario::schedule_ping_flow(&mut sim, &lan);
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    sim
}

#[test]
fn a_frame_corrupted_on_the_wire_is_dropped_by_the_receiving_port() {
    let sim = run_with(Faults { corrupt: 0.3, ..Faults::default() }, 3);
    let corrupted: Vec<_> =
        sim.trace().frames().filter(|f| matches!(f.fate, Fate::Corrupted { fcs_error: true, .. })).collect();
    assert!(!corrupted.is_empty(), "seed 3 corrupts some frames");
    let fcs_drops: Vec<_> =
        sim.trace().events().filter(|e| matches!(e.event, NodeEvent::FcsError { .. })).collect();
    assert_eq!(fcs_drops.len(), corrupted.len(), "each corrupted frame is dropped where it arrives");
    for frame in &corrupted {
        let at = frame.fate.arrival().unwrap();
        assert!(fcs_drops.iter().any(|e| e.node == frame.to.node && e.time == at));
        // Nothing leaves the receiver carrying those bytes.
        assert!(!sim.trace().frames().any(|f| f.from.node == frame.to.node && f.bytes == frame.bytes));
    }
    let dropped_by = |kind| fcs_drops.iter().any(|e| sim.nodes()[e.node.0].kind() == kind);
    assert!(
        dropped_by(sim::NodeKind::Switch) && dropped_by(sim::NodeKind::Host),
        "seed 3 hits a switch port and a NIC"
    );
    let story = sim::narrative::render(&sim::narrative::narrate(&sim));
    assert!(story.contains("FCS error: dropped by sw1 port"), "{story}");
}

#[test]
fn a_frame_held_back_by_reordering_says_so() {
    let sim =
        run_with(Faults { reorder: 0.5, reorder_delay: Duration::from_millis(1), ..Faults::default() }, 1);
    let held: Vec<_> = sim.trace().frames().filter(|f| !f.held_back.is_zero()).collect();
    assert!(!held.is_empty());
    for frame in held {
        let arrival = frame.fate.arrival().unwrap();
        assert!(arrival >= frame.time + frame.held_back, "the delay is part of the arrival time");
        assert!(frame.fault_description().unwrap().contains("(reordered)"));
    }
    let story = sim::narrative::render(&sim::narrative::narrate(&sim));
    assert!(story.contains("on the link (reordered)"), "{story}");
}

#[test]
fn corruption_the_fcs_misses_is_forwarded_and_marked_on_every_link() {
    // Seeds until a switch forwards a frame damaged on the way in.
    let forwarded = (1..60).find_map(|seed| {
        let sim = run_with(Faults { corrupt_undetected: 0.3, ..Faults::default() }, seed);
        let marked = sim.trace().frames().filter(|f| f.carries_corruption).count();
        (marked > 0).then_some(sim)
    });
    let sim = forwarded.expect("some seed makes sw1 forward a damaged frame");
    for frame in sim.trace().frames().filter(|f| f.carries_corruption) {
        let description = frame.fault_description().unwrap();
        assert!(description.contains("corrupted upstream"), "{description}");
        // It is byte for byte a frame that arrived damaged at its sender.
        assert!(sim.trace().frames().any(|earlier| earlier.to.node == frame.from.node
            && matches!(earlier.fate, Fate::Corrupted { fcs_error: false, .. })
            && earlier.bytes == frame.bytes));
    }
}

#[test]
fn frames_still_on_the_wire_at_the_end_are_in_flight_not_delivered() {
    let mut sim = Simulation::new(1);
    let slow = LinkConfig { latency: Duration::from_secs(10), ..LinkConfig::default() };
    let lan = scenario::build_lan(&mut sim, slow);
    scenario::schedule_ping_flow(&mut sim, &lan);
    sim.run(Duration::from_secs(5), scenario::MAX_STEPS);
    let json = sim::export::trace_json(&sim);
    let fates: Vec<&str> = json["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "frame")
        .map(|r| r["fate"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        fates, ["in_flight"; 3],
        "cl1's three ARP requests, one a second, are all still on the 10 s link"
    );
    let story = sim::narrative::render(&sim::narrative::narrate(&sim));
    assert!(story.contains("still in flight when the run ended"), "{story}");
}

#[test]
fn a_link_duplicate_is_not_narrated_as_the_sender_sending_twice() {
    let sim = run_with(Faults { duplicate: 1.0, ..Faults::default() }, 1);
    let lines = sim::narrative::narrate(&sim);
    let wraps = lines
        .iter()
        .filter(|line| matches!(line, sim::narrative::Line::Step { text, .. } if text.starts_with("cl1 wraps the datagram")))
        .count();
    assert_eq!(wraps, 2, "one step per echo request cl1 really sent");
    let echo_requests_from_cl1 = sim
        .trace()
        .frames()
        .filter(|f| f.from.node == sim.node_id("cl1").unwrap() && f.bytes.get(34) == Some(&8))
        .count();
    assert_eq!(echo_requests_from_cl1, 4, "each of the two crossed the duplicating link twice");
    assert!(
        sim.trace().frames().any(|f| f.duplicate && f.bytes.get(30..34) == Some(&addr::CL2.octets()[..]))
    );
}
