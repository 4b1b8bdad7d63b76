//! `packetflow`: run the textbook flows on the embedded topology, print them step by
//! step, and write what crossed every link as pcapng.

use std::path::PathBuf;
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
}

#[derive(Args, Debug)]
struct DissectArgs {
    /// The capture to read (pcap or pcapng).
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
    #[command(flatten)]
    link: LinkArgs,
    /// Also print each node's tables (ARP cache, MAC table) at the end.
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
    /// MTU of every link, in bytes.
    #[arg(long, default_value_t = 1500)]
    mtu: usize,
    /// Probability that a frame is lost, 0.0..=1.0.
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Probability that a frame is duplicated.
    #[arg(long, default_value_t = 0.0)]
    duplicate: f64,
    /// Probability that a frame is held back up to 1 ms, so later frames overtake it.
    #[arg(long, default_value_t = 0.0)]
    reorder: f64,
    /// Probability that one bit of a frame is flipped.
    #[arg(long, default_value_t = 0.0)]
    corrupt: f64,
}

impl LinkArgs {
    fn config(&self) -> Result<LinkConfig, String> {
        let faults = Faults {
            loss: self.loss,
            duplicate: self.duplicate,
            reorder: self.reorder,
            reorder_delay: Duration::from_millis(1),
            corrupt: self.corrupt,
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

fn run(args: &RunArgs) -> Result<(), String> {
    let link = args.link.config()?;
    let mut sim = scenario::build(args.flow, args.seed, link);
    let summary = sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    println!("== packetflow run {:?} · seed {} ==", args.flow, args.seed);
    print!("{}", view::render_run(&sim, args.verbose));
    let ending = if summary.quiescent {
        "nothing left to do".to_owned()
    } else {
        format!("stopped at the {} s horizon with timers pending", scenario::RUN_HORIZON.as_secs())
    };
    println!(
        "-- {} frames, {} events; last event at {:.6} s; {ending}",
        sim.trace().frames().count(),
        sim.trace().events().count(),
        sim.trace().records().last().map_or(0.0, |r| r.time().as_secs_f64()),
    );
    if args.state {
        println!("== tables at the end ==");
        print!("{}", view::render_state(&sim));
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&sim::export::trace_json(&sim)).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("writing {}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.pcap {
        let file = std::fs::File::create(path).map_err(|e| format!("creating {}: {e}", path.display()))?;
        sim::pcapng::write_pcapng(&sim, std::io::BufWriter::new(file)).map_err(|e| e.to_string())?;
        println!("wrote {} (open it with Wireshark or `tshark -r`)", path.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(CliCommand::Topology) => {
            let sim = scenario::build(Flow::All, 1, LinkConfig::default());
            print!("{}", view::render_topology(&sim));
            Ok(())
        }
        Some(CliCommand::Run(args)) => run(&args),
        Some(CliCommand::Dissect(args)) => dissect::run(
            &args.file,
            args.format.into(),
            &args.fields,
            std::io::stdout().lock(),
            std::io::stderr(),
        )
        .map(|_| ())
        .or_else(|error| match error {
            // `packetflow dissect … | head` closing the pipe early is not a failure.
            dissect::DissectError::Write(io) if io.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Err(other.to_string()),
        }),
        None => run(&RunArgs {
            flow: Flow::All,
            seed: 1,
            pcap: None,
            json: None,
            link: LinkArgs {
                latency_us: 5,
                bandwidth_mbps: 1000,
                mtu: 1500,
                loss: 0.0,
                duplicate: 0.0,
                reorder: 0.0,
                corrupt: 0.0,
            },
            state: true,
            verbose: false,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("packetflow: {message}");
            ExitCode::FAILURE
        }
    }
}
