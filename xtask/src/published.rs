//! The crates published to crates.io, and what publishing them needs: each packages on its own
//! (`cargo package`), with its own README, whose links must work on the crate's page.
//!
//! crates.io resolves a README's relative link against the crate's folder in the repository,
//! so a link that works on GitHub can lead nowhere there; the crates' READMEs link only to
//! absolute `https://` addresses.

/// Each published crate's package name and folder, dependencies first.
pub(crate) const CRATES: [(&str, &str); 6] = [
    ("ckeditor-token-core", "crates/token-core"),
    ("ckeditor-token-actix", "crates/token-actix"),
    ("ckeditor-token-axum", "crates/token-axum"),
    ("ckeditor-token-warp", "crates/token-warp"),
    ("ckeditor-token-demo-login", "examples/demo-login"),
    ("ckeditor-token-cli", "crates/token-cli"),
];

/// The published libraries whose README is their documentation's front page, so that its
/// example runs as a doctest (the command has no library, and the demo login documents itself).
#[cfg(test)]
const README_FRONT_PAGE: [&str; 4] = [
    "crates/token-core",
    "crates/token-actix",
    "crates/token-axum",
    "crates/token-warp",
];

/// `cargo package`'s arguments for every published crate, without building them again: the
/// manifests, READMEs and license files are complete, and every dependency has a version.
pub(crate) fn package_args() -> Vec<&'static str> {
    let mut args = vec!["package", "--no-verify", "--allow-dirty", "--quiet"];
    for (name, _) in CRATES {
        args.extend(["-p", name]);
    }
    args
}

/// The link targets in `markdown` that are not absolute `https://` addresses: inline links
/// `[text](target)`, images, and reference definitions `[label]: target`. Code is skipped.
#[cfg(test)]
fn relative_links(markdown: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut in_code_block = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code_block = !in_code_block;
            continue;
        }
        if in_code_block {
            continue;
        }
        let mut targets = Vec::new();
        for (index, part) in line.split('`').enumerate() {
            // Odd parts are inside a code span.
            if index % 2 == 1 {
                continue;
            }
            let mut rest = part;
            while let Some(start) = rest.find("](") {
                let after = &rest[start + 2..];
                let end = after.find(')').unwrap_or(after.len());
                targets.push(&after[..end]);
                rest = &after[end..];
            }
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('[')
            && let Some((_, target)) = trimmed.split_once("]: ")
        {
            targets.push(target);
        }
        found.extend(
            targets
                .into_iter()
                .map(|target| target.split_whitespace().next().unwrap_or(""))
                .filter(|target| !target.starts_with("https://")),
        );
    }
    found
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn workspace() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask is in the workspace")
    }

    #[test]
    fn links_other_than_absolute_https_ones_are_found() {
        let markdown = "\
See [the contract](crates/ADAPTERS.md), [docs](https://docs.rs/x) and ![logo](logo.png).
Also [a section](#usage), [plain](http://example.com \"title\") and `[not](a-link.md)`.
```rust
let a = [b](c);
```
[ref]: ../README.md
[ok]: https://github.com/x/y
";
        assert_eq!(
            relative_links(markdown),
            [
                "crates/ADAPTERS.md",
                "logo.png",
                "#usage",
                "http://example.com",
                "../README.md"
            ]
        );
    }

    #[test]
    fn every_published_crate_has_its_own_readme_with_absolute_links() {
        for (name, folder) in CRATES {
            let folder = workspace().join(folder);
            let manifest = std::fs::read_to_string(folder.join("Cargo.toml")).expect(name);
            assert!(
                manifest.contains(&format!("name = \"{name}\""))
                    && manifest.contains("\nreadme = \"README.md\"\n")
                    && !manifest.contains("publish = false"),
                "{name}: a published crate with its own README.md"
            );
            let readme = std::fs::read_to_string(folder.join("README.md")).expect(name);
            assert!(readme.starts_with(&format!("# {name}\n")), "{name}");
            assert_eq!(relative_links(&readme), Vec::<&str>::new(), "{name}");
        }
    }

    #[test]
    fn the_libraries_readmes_are_their_documentations_front_page() {
        for folder in README_FRONT_PAGE {
            assert!(
                CRATES.iter().any(|(_, published)| *published == folder),
                "{folder}"
            );
            let lib =
                std::fs::read_to_string(workspace().join(folder).join("src/lib.rs")).expect(folder);
            assert!(
                lib.starts_with("#![doc = include_str!(\"../README.md\")]\n"),
                "{folder}: the crate's documentation opens with its README"
            );
        }
    }
}
