//! `recon-align`: the paper's closed forms from the command line (a thin shell; see `cli`).

mod cli;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(cli::run(&args));
}
