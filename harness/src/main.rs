use clap::Parser;

fn main() -> std::process::ExitCode {
    harness::run(harness::cli::Cli::parse())
}
