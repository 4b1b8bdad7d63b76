//! `packetflow`: run the textbook flows on the embedded topology, print them step by
//! step, and write what crossed every link as pcapng.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use sim::scenario::{self, Flow};
use sim::{Faults, LinkConfig, topology as view};

/// The `-T` output formats of `dissect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// One line per packet, like tshark's default.
    Text,
    /// A JSON array with one object per packet, its layers outermost first.
    Json,
    /// Tab-separated values of the `-e` fields, as `tshark -T fields` prints them.
    Fields,
}

impl From<Format> for dissect::OutputFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Text => Self::Text,
            Format::Json => Self::Json,
            Format::Fields => Self::Fields,
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "packetflow",
    version,
    about = "Follow every packet of a network flow through a simulated topology"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<CliCommand>,
}

#[derive(Subcommand, Debug)]
enum CliCommand {
    /// Run a flow on the embedded topology (the default command).
    Run(RunArgs),
    /// Print the embedded topology: nodes, interfaces, addresses, links.
    Topology,
    /// Decode a pcap or pcapng file with the workspace's own parsers.
    Dissect(DissectArgs),
    /// Attach the embedded topology to a TAP device in a new network namespace, so real
    /// tools (ping, udhcpc, dig, curl, openssl) talk to it; paced by the wall clock.
    Live(sim::live::LiveArgs),
}

#[derive(Args, Debug)]
struct DissectArgs {
    /// The capture to read (pcap or pcapng); `-` reads standard input.
    file: PathBuf,
    /// Output format: one line per packet, JSON, or tshark-style fields.
    #[arg(short = 'T', value_enum, default_value_t = Format::Text)]
    format: Format,
    /// With `-T fields`: a field to print, by its Wireshark display-filter name
    /// (e.g. `ip.src`); repeat for more.
    #[arg(short = 'e', value_name = "FIELD")]
    fields: Vec<String>,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Which flow to run.
    #[arg(value_enum, default_value_t = Flow::All)]
    flow: Flow,
    /// Seed of every random draw; the same seed gives the same trace and pcapng.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write every frame on every link to this pcapng file (one interface per link).
    #[arg(long, value_name = "PATH")]
    pcap: Option<PathBuf>,
    /// Write the whole trace (nodes, links, every frame and event) as JSON for tools.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write the run's TLS secrets to this file (SSLKEYLOGFILE format, for Wireshark's
    /// "(Pre)-Master-Secret log filename"); the pcapng embeds them too.
    #[arg(long, value_name = "PATH")]
    keylog: Option<PathBuf>,
    #[command(flatten)]
    link: LinkArgs,
    #[command(flatten)]
    site: SiteArgs,
    /// After each phase, print the tables that changed (ARP caches, MAC tables, DHCP
    /// leases, DNS caches, NAPT mappings, conntrack entries, lb1's backends), and every
    /// table at the end.
    #[arg(long)]
    state: bool,
    /// Show every layer's fields under each frame, and what each forwarding node rewrote.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Args, Debug)]
struct LinkArgs {
    /// One-way latency of every link, in microseconds.
    #[arg(long, default_value_t = 5)]
    latency_us: u64,
    /// Bandwidth of every link, in Mbit/s.
    #[arg(long, default_value_t = 1000)]
    bandwidth_mbps: u64,
    /// MTU of every link, in bytes (68..=65535: RFC 791's minimum, IPv4's maximum).
    #[arg(long, default_value_t = 1500, value_parser = mtu)]
    mtu: usize,
    /// Probability that a frame is lost, 0.0..=1.0.
    #[arg(long, default_value_t = 0.0, value_parser = probability, allow_negative_numbers = true)]
    loss: f64,
    /// Probability that a frame is duplicated.
    #[arg(long, default_value_t = 0.0, value_parser = probability, allow_negative_numbers = true)]
    duplicate: f64,
    /// Probability that a frame is held back up to 1 ms, so later frames overtake it.
    #[arg(long, default_value_t = 0.0, value_parser = probability, allow_negative_numbers = true)]
    reorder: f64,
    /// Probability that one bit of a frame is flipped on the wire; the receiving port's
    /// FCS check drops it.
    #[arg(long, default_value_t = 0.0, value_parser = probability, allow_negative_numbers = true)]
    corrupt: f64,
    /// Probability that one bit is flipped where the FCS cannot see it (a faulty device):
    /// only the IP, ICMP, UDP and TCP checksums can catch it.
    #[arg(long, default_value_t = 0.0, value_parser = probability, allow_negative_numbers = true)]
    corrupt_undetected: f64,
}

#[derive(Args, Debug)]
struct SiteArgs {
    /// GETs cl1 sends on its HTTPS connection (several show the balancing).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    requests: u32,
    /// How lb1 picks a backend for each client session.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::RoundRobin)]
    algorithm: AlgorithmArg,
    /// Take a web server down (sv1 or sv2; repeatable): lb1's health checks find out and
    /// send the requests to the other.
    #[arg(long, value_name = "SERVER", value_parser = ["sv1", "sv2"])]
    backend_down: Vec<String>,
    /// Run lb1's HTTP health checks (every 2 s; on whenever a backend is down).
    #[arg(long)]
    health_checks: bool,
    /// Home PCs doing the whole HTTPS flow at once (the scale test): cl1…clN on a larger
    /// LAN, 5 ms apart; prints cl1's part and a summary of all.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000))]
    clients: u16,
}

/// lb1's balancing algorithms, as the command line names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum AlgorithmArg {
    /// Each backend in turn.
    RoundRobin,
    /// In proportion to the backends' weights.
    WeightedRoundRobin,
    /// The backend with the fewest open connections.
    LeastConnections,
    /// Consistent hashing of the client address: a client keeps its backend.
    SourceHash,
}

impl SiteArgs {
    fn options(&self) -> scenario::SiteOptions {
        scenario::SiteOptions {
            requests: self.requests,
            algorithm: match self.algorithm {
                AlgorithmArg::RoundRobin => lb::Algorithm::RoundRobin,
                AlgorithmArg::WeightedRoundRobin => lb::Algorithm::WeightedRoundRobin,
                AlgorithmArg::LeastConnections => lb::Algorithm::LeastConnections,
                AlgorithmArg::SourceHash => lb::Algorithm::SourceHash,
            },
            backends_down: self.backend_down.clone(),
            health_checks: self.health_checks,
        }
    }
}

/// A probability option's value: a number within 0.0..=1.0.
fn probability(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not a probability (0.0..=1.0)"))
    }
}

/// The `--mtu` value: an IPv4 MTU, at least RFC 791's 68 bytes and at most 65535.
fn mtu(text: &str) -> Result<usize, String> {
    let value: usize = text.parse().map_err(|_| format!("`{text}` is not a whole number of bytes"))?;
    if (68..=65_535).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} bytes is outside 68..=65535 (RFC 791: every link carries 68)"))
    }
}

impl LinkArgs {
    fn config(&self) -> Result<LinkConfig, String> {
        let faults = Faults {
            loss: self.loss,
            duplicate: self.duplicate,
            reorder: self.reorder,
            reorder_delay: Duration::from_millis(1),
            corrupt: self.corrupt,
            corrupt_undetected: self.corrupt_undetected,
        };
        if !faults.is_valid() {
            return Err("fault probabilities must be within 0.0..=1.0".to_owned());
        }
        if self.bandwidth_mbps == 0 {
            return Err("bandwidth must be at least 1 Mbit/s".to_owned());
        }
        Ok(LinkConfig {
            latency: Duration::from_micros(self.latency_us),
            bandwidth_bps: self.bandwidth_mbps.saturating_mul(1_000_000),
            mtu: self.mtu,
            faults,
        })
    }
}

/// Why a command failed; a closed stdout is not a failure.
#[derive(Debug)]
enum Failure {
    /// Standard output was closed by its reader (`| head`): stop quietly.
    ClosedPipe,
    /// Anything else, said in one line.
    Message(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::Message(message)
    }
}

/// Writes `text` to standard output, telling a closed pipe from other errors.
fn print_out(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(|error| match error.kind() {
        ErrorKind::BrokenPipe => Failure::ClosedPipe,
        _ => Failure::Message(format!("writing to standard output: {error}")),
    })
}

/// Writes `bytes` to `path` so that a failure never leaves a half-written file under
/// that name: a regular file is written beside it under a temporary name, flushed and
/// renamed over it; a special file (`/dev/stdout`, `/dev/full`, a FIFO) is written in
/// place, since renaming over it would replace the device.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let fail = |error: std::io::Error| format!("writing {}: {error}", path.display());
    let special = std::fs::metadata(path).is_ok_and(|meta| !meta.is_file());
    if special {
        let mut file = std::fs::OpenOptions::new().write(true).open(path).map_err(fail)?;
        return file.write_all(bytes).and_then(|()| file.flush()).map_err(fail);
    }
    let name = path.file_name().map_or_else(|| "output".into(), |name| name.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temporary)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(fail(error));
    }
    Ok(())
}

/// The scale test: `--clients N` PCs each doing the whole HTTPS flow. The story tells
/// cl1's part (its commands, the frames it sent and those addressed to it, what it
/// reported), then what became of all of them.
fn run_clients(
    args: &RunArgs,
    link: LinkConfig,
    story: &mut String,
) -> Result<(sim::Simulation, sim::RunSummary, Duration), Failure> {
    use scenario::clients;
    if args.flow != Flow::Https {
        return Err(Failure::Message(format!("--clients runs the https flow, not {}", args.flow.name())));
    }
    let count = usize::from(args.site.clients);
    let (mut sim, lan) =
        clients::build_clients(args.seed, link, count, clients::PcPorts::Protected, &args.site.options());
    let horizon = clients::horizon(count);
    let summary = sim.run(horizon, clients::max_steps(count));
    if let Some(&cl1) = lan.pcs.first() {
        *story += &format!("== cl1, one of {count} clients ==\n");
        *story += &clients::render_client(&sim, cl1);
    }
    *story += &format!("\n== all {count} clients ==\n");
    *story += &clients::ScaleReport::from_trace(&sim, &lan).render();
    Ok((sim, summary, horizon))
}

/// Where `packetflow` with no arguments writes the run's capture.
const DEFAULT_PCAP: &str = "packetflow.pcapng";

fn run(args: &RunArgs) -> Result<(), Failure> {
    let link = args.link.config()?;
    let mut story = format!("== packetflow run {} · seed {} ==\n", args.flow.name(), args.seed);
    let (sim, summary, horizon) = if args.site.clients > 1 {
        run_clients(args, link, &mut story)?
    } else {
        let mut sim = scenario::build_with(args.flow, args.seed, link, &args.site.options());
        if args.state {
            sim.record_snapshots();
        }
        let summary = sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
        if args.state {
            story += &view::render_run_with_state(&sim, args.verbose);
        } else {
            story += &view::render_run(&sim, args.verbose);
        }
        (sim, summary, scenario::RUN_HORIZON)
    };
    let ending = if summary.quiescent {
        "nothing left to do".to_owned()
    } else {
        format!("stopped at the {} s horizon with timers pending", horizon.as_secs())
    };
    story += &format!(
        "-- {} frames, {} events; last event at {:.6} s; {ending}\n",
        sim.trace().frames().count(),
        sim.trace().events().count(),
        sim.trace().records().last().map_or(0.0, |r| r.time().as_secs_f64()),
    );
    if args.state {
        story += "== every table at the end ==\n";
        story += &view::render_state(&sim);
    }
    // The narrative first; the files are written whatever became of it.
    let printed = print_out(&story);
    let mut outputs = Vec::new();
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&sim::export::trace_json(&sim)).map_err(|e| e.to_string())?;
        outputs.push((path, text.into_bytes(), ""));
    }
    if let Some(path) = &args.pcap {
        let pcapng = sim::pcapng::write_pcapng(&sim, Vec::new()).map_err(|e| e.to_string())?;
        outputs.push((
            path,
            pcapng,
            " (open it with Wireshark or `tshark -r`; the TLS secrets are embedded)",
        ));
    }
    if let Some(path) = &args.keylog {
        let lines = sim::keylog::keylog_file(&sim);
        outputs.push((
            path,
            lines.into_bytes(),
            " (SSLKEYLOGFILE format: Wireshark's TLS (Pre)-Master-Secret log)",
        ));
    }
    let mut failures = Vec::new();
    let mut wrote = String::new();
    for (path, bytes, hint) in outputs {
        match write_file(path, &bytes) {
            Ok(()) => wrote += &format!("wrote {}{hint}\n", path.display()),
            Err(message) => failures.push(message),
        }
    }
    if !failures.is_empty() {
        return Err(Failure::Message(failures.join("; ")));
    }
    printed?;
    print_out(&wrote)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(CliCommand::Topology) => {
            let sim = scenario::build(Flow::All, 1, LinkConfig::default());
            print_out(&view::render_topology(&sim))
        }
        Some(CliCommand::Run(args)) => run(&args),
        Some(CliCommand::Live(args)) => {
            sim::live::run_cli(&args).map_err(|e| Failure::Message(e.to_string()))
        }
        Some(CliCommand::Dissect(args)) => dissect::run(
            &args.file,
            args.format.into(),
            &args.fields,
            std::io::stdout().lock(),
            std::io::stderr(),
        )
        .map(|_| ())
        .map_err(|error| match error {
            // `packetflow dissect … | head` closing the pipe early is not a failure.
            dissect::DissectError::Write(io) if io.kind() == ErrorKind::BrokenPipe => Failure::ClosedPipe,
            other => Failure::Message(other.to_string()),
        }),
        // With no arguments, write the capture too: a learner's next step is Wireshark.
        None => run(&RunArgs {
            flow: Flow::All,
            seed: 1,
            pcap: Some(PathBuf::from(DEFAULT_PCAP)),
            json: None,
            keylog: None,
            link: LinkArgs {
                latency_us: 5,
                bandwidth_mbps: 1000,
                mtu: 1500,
                loss: 0.0,
                duplicate: 0.0,
                reorder: 0.0,
                corrupt: 0.0,
                corrupt_undetected: 0.0,
            },
            site: SiteArgs {
                requests: 1,
                algorithm: AlgorithmArg::RoundRobin,
                backend_down: Vec::new(),
                health_checks: false,
                clients: 1,
            },
            state: true,
            verbose: false,
        }),
    };
    match result {
        Ok(()) | Err(Failure::ClosedPipe) => ExitCode::SUCCESS,
        Err(Failure::Message(message)) => {
            // stderr may be closed too; there is nowhere left to report that.
            let _ = writeln!(std::io::stderr(), "packetflow: {message}");
            ExitCode::FAILURE
        }
    }
}
