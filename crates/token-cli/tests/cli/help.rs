//! `--help` on every command, and usage errors.

use crate::common::{run, texts};

#[test]
fn every_command_explains_itself() {
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &["--help"],
            &["serve", "issue", "inspect", "--config", "Exit status"],
        ),
        (
            &["serve", "--help"],
            &[
                "--listen",
                "--log-format",
                "--dev",
                "development mode",
                "auth.mode",
            ],
        ),
        (
            &["issue", "--help"],
            &[
                "--sub",
                "--role <DOCUMENT=ROLE>",
                "--ckbox-role",
                "--lifetime",
                "--on-premises",
            ],
        ),
        (
            &["inspect", "--help"],
            &["<TOKEN>", "--key", "--at", "standard input", "Exit status"],
        ),
    ];
    for (args, phrases) in cases {
        let output = run(args, &[], "");
        let (stdout, _) = texts(&output);
        assert!(output.status.success(), "{args:?}");
        for phrase in phrases {
            assert!(
                stdout.contains(phrase),
                "{args:?} lacks {phrase:?}:\n{stdout}"
            );
        }
    }
}

#[test]
fn unknown_commands_and_flags_are_usage_errors() {
    for args in [&["deploy"][..], &["serve", "--port", "1"], &[]] {
        let output = run(args, &[], "");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
