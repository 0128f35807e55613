use std::process::ExitCode;

fn main() -> ExitCode {
    vsrec::alloc::tune();
    match vsrec::run(std::env::args_os(), &vsrec::settings::process_env) {
        Ok(status) => status.into(),
        Err(err) => vsrec::error::report(&err).into(),
    }
}
