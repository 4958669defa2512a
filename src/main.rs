//! `recon-align`: the paper's closed forms from the command line (a thin shell; see `cli`).

mod cli;

fn main() {
    std::process::exit(cli::run(std::env::args_os()));
}
