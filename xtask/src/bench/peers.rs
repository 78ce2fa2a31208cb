//! The peer apps: the token endpoint as CKEditor's documentation writes it in Python (Flask,
//! flask-cors, PyJWT under gunicorn with 2 workers) and Node.js (express, cors, jsonwebtoken).
//!
//! Their sources and pinned versions live in `xtask/bench-peers`; this module installs them into
//! a scratch folder (a virtual environment with pip, a package folder with `npm ci`), again only
//! when the pins changed, copies their sources there, and builds the commands that start them.

#![expect(
    clippy::print_stderr,
    reason = "a task reports its progress on standard error"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Python interpreter the peer runs on.
const PYTHON: &str = "python3.11";

/// One peer app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peer {
    /// Flask, flask-cors and PyJWT under gunicorn with 2 workers.
    Flask,
    /// express, cors and jsonwebtoken on Node.js.
    Express,
}

impl Peer {
    /// Both peers.
    pub(crate) const ALL: [Peer; 2] = [Peer::Flask, Peer::Express];

    /// The name in the table.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Peer::Flask => "Flask + gunicorn (2 workers)",
            Peer::Express => "express (Node.js)",
        }
    }
}

/// The installed peers, ready to start.
#[derive(Debug)]
pub(crate) struct Installed {
    sources: PathBuf,
    scratch: PathBuf,
}

/// Installs both peers from the sources in `sources` (`xtask/bench-peers`) into `scratch`.
///
/// # Errors
///
/// When Python, pip, Node.js or npm fail; the message names the step.
pub(crate) fn install(sources: &Path, scratch: &Path) -> Result<Installed, String> {
    let installed = Installed {
        sources: sources.to_owned(),
        scratch: scratch.to_owned(),
    };
    installed.install_python()?;
    installed.install_node()?;
    Ok(installed)
}

impl Installed {
    fn install_python(&self) -> Result<(), String> {
        let folder = self.scratch.join("python");
        std::fs::create_dir_all(&folder)
            .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
        for file in ["app.py", "gunicorn.conf.py"] {
            copy(&self.sources.join("python").join(file), &folder.join(file))?;
        }
        let requirements = self.sources.join("python/requirements.txt");
        let venv = self.scratch.join("python-venv");
        let stamp = venv.join("installed-requirements.txt");
        if same_file_text(&requirements, &stamp) {
            return Ok(());
        }
        eprintln!("xtask: installing the Python peer into {}", venv.display());
        run(Command::new(PYTHON)
            .args(["-m", "venv", "--clear"])
            .arg(&venv))?;
        run(Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
            ])
            .arg("--requirement")
            .arg(&requirements))?;
        copy(&requirements, &stamp)
    }

    fn install_node(&self) -> Result<(), String> {
        let folder = self.scratch.join("node");
        std::fs::create_dir_all(&folder)
            .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
        let lock = self.sources.join("node/package-lock.json");
        let stamp = folder.join("node_modules/installed-package-lock.json");
        for file in ["package.json", "package-lock.json", "server.js"] {
            copy(&self.sources.join("node").join(file), &folder.join(file))?;
        }
        if same_file_text(&lock, &stamp) {
            return Ok(());
        }
        eprintln!(
            "xtask: installing the Node.js peer into {}",
            folder.display()
        );
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&folder))?;
        copy(&lock, &stamp)
    }

    /// The command that starts `peer` on 127.0.0.1 with an OS-chosen port and `env`; it prints
    /// `listening on http://ADDRESS` when ready.
    pub(crate) fn command(&self, peer: Peer, env: &[(&str, &str)]) -> Command {
        let mut command = match peer {
            Peer::Flask => {
                let mut command = Command::new(self.scratch.join("python-venv/bin/gunicorn"));
                command
                    .args([
                        "--config",
                        "gunicorn.conf.py",
                        "--bind",
                        "127.0.0.1:0",
                        "app:app",
                    ])
                    .current_dir(self.scratch.join("python"));
                command
            }
            Peer::Express => {
                let mut command = Command::new("node");
                command
                    .arg("server.js")
                    .args(["--listen", "127.0.0.1:0"])
                    .current_dir(self.scratch.join("node"));
                command
            }
        };
        command.envs(env.iter().copied());
        command
    }
}

/// Whether both files exist with the same text.
fn same_file_text(a: &Path, b: &Path) -> bool {
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to).map(drop).map_err(|error| {
        format!(
            "cannot copy {} to {}: {error}",
            from.display(),
            to.display()
        )
    })
}

/// Runs a set-up step to its end, its output on standard error (standard output carries the
/// table).
fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .stdout(std::io::stderr())
        .status()
        .map_err(|error| format!("could not run {shown}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}
