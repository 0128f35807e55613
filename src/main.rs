use std::process::ExitCode;

fn main() -> ExitCode {
    vsrec::main_with_exit_code()
}
