use clap::Parser;

fn main() -> std::process::ExitCode {
    harness::cli::run(harness::cli::Cli::parse())
}
