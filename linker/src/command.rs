//! The link command: the system C compiler as link driver, found through the `cc` crate.

use crate::{LinkError, LinkOptions};
use std::path::Path;

/// Native libraries a Rust static library needs on x86_64 Linux (glibc).
const NATIVE_LIBS: &[&str] = &["-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"];

/// Runs the link.
pub fn link(options: &LinkOptions, runtime: &Path) -> Result<(), LinkError> {
    let target = "x86_64-unknown-linux-gnu";
    let compiler = cc::Build::new()
        .target(target)
        .host(target)
        .opt_level(2)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .try_get_compiler()
        .map_err(|e| LinkError::NoCompiler(e.to_string()))?;
    let mut cmd = std::process::Command::new(compiler.path());
    cmd.arg("-o")
        .arg(&options.output)
        .arg(&options.object)
        .arg(runtime)
        .args(["-no-pie", "-Wl,--gc-sections", "-Wl,-O1"]);
    if options.static_link {
        cmd.arg("-static");
    } else {
        // The unwinder the Rust runtime references, linked in rather than loaded from
        // libgcc_s.so at every start.
        cmd.arg("-static-libgcc");
    }
    if options.strip {
        cmd.arg("-s");
    }
    cmd.args(NATIVE_LIBS);
    let command = format!("{cmd:?}");
    let output = cmd
        .output()
        .map_err(|e| LinkError::NoCompiler(format!("{}: {e}", compiler.path().display())))?;
    if !output.status.success() {
        return Err(LinkError::Failed {
            command,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(())
}
