//! `issue`: one token from flags, printed on standard output, for curl tests and the
//! converters' REST APIs.
//!
//! - `--sub`, with any of `--name`, `--email`, `--avatar`, `--role`, `--permission`,
//!   `--ckbox-role`, `--ckbox-workspace` and `--ai-scope`: `aud, iat, exp, sub, user, auth`,
//!   everything given;
//! - none of those: `aud, iat`, for Export to PDF/Word, Import from Word, Easy Image;
//! - `--on-premises`: `iat` only, signed with the on-premises server's secret key.

use std::process::ExitCode;

use ckeditor_token_core::{
    CkboxRole, Environment, Error, Grant, Identity, IdentityBuilder, OnPremisesIssuer, Permission,
    Role, Token,
};
use ckeditor_token_demo_login::settings::{self as shared, parse_expiry};
use clap::Args;

use crate::config::{self, build_issuer};
use crate::error::CliError;
use crate::output;
use crate::rules::permission_names;
use crate::settings::Settings;

/// The flags of `issue`.
#[derive(Debug, Args)]
#[command(after_help = "\
The environment comes from CKEDITOR_ENVIRONMENT_ID and CKEDITOR_ACCESS_KEY, or from \
[environment] in the --config file; --on-premises reads CKEDITOR_SECRET_KEY or \
[on_premises].

Examples:
  ckeditor-token issue --sub ann --name 'Ann Smith' --role '*=writer'
  ckeditor-token issue --sub ann --role 'doc-*=reader' --ckbox-role user --lifetime 30m
  ckeditor-token issue --sub ann --role '*=reader' --permission '*=comment:write'
  ckeditor-token issue --sub ann --ckbox-role user --ckbox-workspace ws-1
  ckeditor-token issue                  # aud and iat only, for Export to PDF
  ckeditor-token issue --on-premises    # iat only, for the on-premises converters")]
pub(crate) struct IssueArgs {
    /// The user's stable ID (`sub`); every flag below but --on-premises needs it, and it needs
    /// a grant: --role, --permission, --ckbox-role or --ai-scope
    #[arg(long, value_name = "ID")]
    sub: Option<String>,

    /// The display name (`user.name`)
    #[arg(long, value_name = "NAME")]
    name: Option<String>,

    /// The email address (`user.email`)
    #[arg(long, value_name = "ADDRESS")]
    email: Option<String>,

    /// The avatar image URL (`user.avatar`), http or https
    #[arg(long, value_name = "URL")]
    avatar: Option<String>,

    /// A role on documents, such as `*=writer` or `doc-*=reader`; repeatable. Roles: reader,
    /// commentator, writer. `*` stands for every document, or at the start or end of an ID
    #[arg(long = "role", value_name = "DOCUMENT=ROLE")]
    roles: Vec<String>,

    /// A permission on documents, such as `doc-1=comment:write`; repeatable. Added to the role
    /// --role gives the same documents, or a grant of permissions alone. Permissions:
    /// document:read, document:write, comment:read, comment:write, comment:admin
    #[arg(long = "permission", value_name = "DOCUMENT=PERMISSION")]
    permissions: Vec<String>,

    /// Accept --role and --permission patterns that can match the same document with
    /// different grants
    #[arg(long)]
    allow_overlapping_grants: bool,

    /// The CKBox role (`auth.ckbox.role`)
    #[arg(long, value_name = "ROLE", value_parser = ["user", "admin", "superadmin"])]
    ckbox_role: Option<String>,

    /// A CKBox workspace the user may use (`auth.ckbox.workspaces`); repeatable; needs
    /// --ckbox-role. Without any, CKBox falls back to the environment ID (`aud`)
    #[arg(long = "ckbox-workspace", value_name = "ID", requires = "ckbox_role")]
    ckbox_workspaces: Vec<String>,

    /// An AI scope such as `ai:models:*` (`auth.ai.permissions`); repeatable
    #[arg(long = "ai-scope", value_name = "SCOPE")]
    ai_scopes: Vec<String>,

    /// Time from `iat` to `exp`: 60 s to 24 h, such as 3600, 30m or 1h, or `none` for no `exp`
    /// (a token with --ai-scope always expires, after 1h with `none`)
    /// [default: token.lifetime of the configuration, else 1h]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    lifetime: Option<String>,

    /// Sign for the configured environment with this ID, the one of environment.id or of an
    /// other_environment entry of the --config file, with its key
    /// [default: the environment of CKEDITOR_ENVIRONMENT_ID and CKEDITOR_ACCESS_KEY]
    #[arg(long, value_name = "ID")]
    environment_id: Option<String>,

    /// An on-premises converter token: `iat` only, signed with CKEDITOR_SECRET_KEY
    #[arg(
        long,
        conflicts_with_all = [
            "sub", "name", "email", "avatar", "roles", "permissions",
            "allow_overlapping_grants", "ckbox_role", "ckbox_workspaces", "ai_scopes", "lifetime",
            "environment_id",
        ]
    )]
    on_premises: bool,
}

impl IssueArgs {
    fn has_identity_flags(&self) -> bool {
        self.name.is_some()
            || self.email.is_some()
            || self.avatar.is_some()
            || !self.roles.is_empty()
            || !self.permissions.is_empty()
            || self.allow_overlapping_grants
            || self.ckbox_role.is_some()
            || !self.ckbox_workspaces.is_empty()
            || !self.ai_scopes.is_empty()
    }
}

/// Issues the token and prints it.
///
/// # Errors
///
/// Missing or malformed credentials, flags that do not go together or make an invalid
/// identity (all exit 2); a failed write (exit 1).
pub(crate) fn run(settings: &Settings, args: &IssueArgs) -> Result<ExitCode, CliError> {
    let token = issue(settings, args)?;
    output::line(token.as_str())?;
    Ok(ExitCode::SUCCESS)
}

fn issue(settings: &Settings, args: &IssueArgs) -> Result<Token, CliError> {
    if args.on_premises {
        let key = config::secret_key(settings)?;
        let issuer = OnPremisesIssuer::new(&key).map_err(|e| CliError::Failed(e.to_string()))?;
        return issuer.token().map_err(|e| CliError::Failed(e.to_string()));
    }

    // `[environment]`'s own ID is its own, also when an entry repeats it.
    let wanted = args.environment_id.as_deref();
    let others = &settings.values.other_environment;
    let other = wanted.and_then(|wanted| {
        others
            .iter()
            .position(|other| other.id.as_deref() == Some(wanted))
    });
    let environment = match (wanted, other) {
        (Some(wanted), Some(index))
            if settings.values.environment.id.as_deref() != Some(wanted) =>
        {
            config::other_environment(settings, index)?
        }
        _ => first_environment(settings, wanted)?,
    };
    let (lifetime, lifetime_name) = match &args.lifetime {
        Some(text) => (
            parse_expiry(text).map_err(|problem| CliError::setting("--lifetime", problem))?,
            "--lifetime".to_owned(),
        ),
        None => (config::lifetime(settings)?, settings.name("token.lifetime")),
    };
    let issuer = build_issuer(environment, lifetime, &lifetime_name)?;

    let Some(subject) = &args.sub else {
        if args.has_identity_flags() {
            return Err(CliError::Usage(
                "--name, --email, --avatar, --role, --permission, --ckbox-role, \
                 --ckbox-workspace and --ai-scope describe a user; give the user's ID with --sub \
                 too"
                .to_owned(),
            ));
        }
        if args.lifetime.is_some() {
            return Err(CliError::Usage(
                "--lifetime applies to tokens for a user; tokens without --sub carry aud and \
                 iat only"
                    .to_owned(),
            ));
        }
        return issuer
            .cloud_service()
            .map_err(|error| CliError::Failed(error.to_string()));
    };

    let identity = identity(subject, args)?;
    let token = issuer.editor(&identity).map_err(|error| match error {
        Error::MissingGrant { .. } => CliError::Usage(
            "a token for --sub needs a grant: --role, --permission, --ckbox-role or --ai-scope"
                .to_owned(),
        ),
        // The flags are copied into the token, which every holder can read.
        Error::KeyInIdentity { field, .. } => CliError::Usage(format!(
            "the token would carry the access key in {field}, and every holder of a token can read \
             it; keep the key out of --sub, --name, --email, --avatar, --role, --permission, \
             --ckbox-workspace and --ai-scope"
        )),
        error => CliError::Failed(error.to_string()),
    })?;
    // The core looked for the access key; the server's other secrets are looked for here, and
    // the token is not shown when one is found.
    refuse_secrets_in_flags(settings, subject, args)?;
    Ok(token)
}

/// `[environment]`, checked beside the `[[other_environment]]` entries; `wanted`, the ID
/// `--environment-id` gives (if any), must be one of the configured environments'.
fn first_environment(settings: &Settings, wanted: Option<&str>) -> Result<Environment, CliError> {
    let configured: Vec<&str> = settings
        .environment_ids()
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    if let Some(wanted) = wanted
        && !configured.contains(&wanted)
    {
        return Err(CliError::setting(
            "--environment-id",
            format!(
                "{:?} is not a configured environment ({}); give one of them, or add it as an \
                 [[other_environment]] of the --config file",
                shared::for_log(wanted, settings.secrets()),
                configured.join(", ")
            ),
        ));
    }
    let Some(environment) = config::environment(settings)? else {
        return Err(CliError::setting(
            settings.name("environment.id"),
            "is not set; `issue` signs with a real environment: set CKEDITOR_ENVIRONMENT_ID and \
             CKEDITOR_ACCESS_KEY, or [environment] in the --config file",
        ));
    };
    let key = std::str::from_utf8(environment.access_key().expose_bytes()).unwrap_or_default();
    config::check_against_other_environments(settings, environment.id().as_str(), key)?;
    Ok(environment)
}

/// Refuses flags that the token would carry and that hold a secret of this server other than the
/// access key (the on-premises secret key, the trusted secret, other environments' access keys),
/// which every holder of the token could read; the core looks for the access key itself, and
/// names the claim.
fn refuse_secrets_in_flags(
    settings: &Settings,
    subject: &str,
    args: &IssueArgs,
) -> Result<(), CliError> {
    let single = [
        ("--sub", Some(subject)),
        ("--name", args.name.as_deref()),
        ("--email", args.email.as_deref()),
        ("--avatar", args.avatar.as_deref()),
    ];
    let mut flags = single
        .into_iter()
        .filter_map(|(flag, value)| value.map(|value| (flag, value)))
        .chain(args.roles.iter().map(|role| ("--role", role.as_str())))
        .chain(
            args.permissions
                .iter()
                .map(|permission| ("--permission", permission.as_str())),
        )
        .chain(
            args.ckbox_workspaces
                .iter()
                .map(|workspace| ("--ckbox-workspace", workspace.as_str())),
        )
        .chain(
            args.ai_scopes
                .iter()
                .map(|scope| ("--ai-scope", scope.as_str())),
        );
    match flags.find(|(_, value)| settings.holds_secret(value)) {
        Some((flag, _)) => Err(CliError::Usage(format!(
            "{flag} holds a key or secret of this server, and every holder of a token can read \
             it; keep the server's keys and secrets out of the flags the token carries"
        ))),
        None => Ok(()),
    }
}

fn identity(subject: &str, args: &IssueArgs) -> Result<Identity, CliError> {
    let mut builder = Identity::builder(subject);
    if let Some(name) = &args.name {
        builder = builder.name(name);
    }
    if let Some(email) = &args.email {
        builder = builder.email(email);
    }
    if let Some(avatar) = &args.avatar {
        builder = builder.avatar(avatar);
    }
    builder = grant_documents(builder, args)?;
    if args.allow_overlapping_grants {
        builder = builder.allow_overlapping_grants();
    }
    if let Some(role) = args.ckbox_role.as_deref().and_then(CkboxRole::from_name) {
        builder = builder.ckbox(role);
    }
    builder = builder.ckbox_workspaces(args.ckbox_workspaces.iter().cloned());
    builder = builder.ai_scopes(args.ai_scopes.iter().cloned());
    builder.build().map_err(|error| {
        // The flag that allows them.
        let how = match error {
            ckeditor_token_core::Error::OverlappingDocumentGrants { .. } => {
                " (--allow-overlapping-grants)"
            }
            _ => "",
        };
        CliError::Usage(format!("the token's user: {error}{how}"))
    })
}

/// The grants of `--role` and `--permission`, one for each document ID or pattern, in the
/// order given: its role, with the permissions given for it (a permission or role given twice
/// counts once), or the permissions alone. Two different roles for one document are left to
/// the identity to refuse.
fn grant_documents(
    mut builder: IdentityBuilder,
    args: &IssueArgs,
) -> Result<IdentityBuilder, CliError> {
    let mut documents: Vec<DocumentGrants<'_>> = Vec::new();
    for grant in &args.roles {
        let (document, role) = parse_role(grant)?;
        let (_, roles, _) = entry(&mut documents, document);
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    for grant in &args.permissions {
        let (document, permission) = parse_permission(grant)?;
        let (_, _, permissions) = entry(&mut documents, document);
        if !permissions.contains(&permission) {
            permissions.push(permission);
        }
    }
    for (document, roles, permissions) in documents {
        match roles[..] {
            [] => builder = builder.grant(document, Grant::permissions(permissions)),
            [role] => {
                builder = builder.grant(document, Grant::role(role).with_permissions(permissions));
            }
            _ => {
                for role in roles {
                    builder = builder.grant(document, role);
                }
            }
        }
    }
    Ok(builder)
}

/// A document ID or pattern with the roles and permissions the flags give it.
type DocumentGrants<'a> = (&'a str, Vec<Role>, Vec<Permission>);

/// The grants of `document` among `documents`, added at the end when it has none yet.
fn entry<'d, 'a>(
    documents: &'d mut Vec<DocumentGrants<'a>>,
    document: &'a str,
) -> &'d mut DocumentGrants<'a> {
    let index = match documents.iter().position(|(other, ..)| *other == document) {
        Some(index) => index,
        None => {
            documents.push((document, Vec::new(), Vec::new()));
            documents.len() - 1
        }
    };
    &mut documents[index]
}

/// `DOCUMENT=PERMISSION`, split at the last `=`.
fn parse_permission(grant: &str) -> Result<(&str, Permission), CliError> {
    let what = Grantable {
        flag: "--permission",
        form: "DOCUMENT=PERMISSION, such as doc-1=comment:write",
        kind: "a permission",
        known: &permission_names(),
    };
    what.parse(grant, Permission::from_name)
}

/// `DOCUMENT=ROLE`, split at the last `=`.
fn parse_role(grant: &str) -> Result<(&str, Role), CliError> {
    let what = Grantable {
        flag: "--role",
        form: "DOCUMENT=ROLE, such as *=writer or doc-1=reader",
        kind: "a role",
        known: "reader, commentator or writer",
    };
    what.parse(grant, Role::from_name)
}

/// What a flag grants on documents, for its messages.
struct Grantable<'a> {
    flag: &'a str,
    /// The flag's form, with an example.
    form: &'a str,
    /// What the value is, with its article.
    kind: &'a str,
    /// The values there are.
    known: &'a str,
}

impl Grantable<'_> {
    /// `grant` split at its last `=` into the document and the value `read` finds, both trimmed.
    fn parse<'g, T>(
        &self,
        grant: &'g str,
        read: impl Fn(&str) -> Option<T>,
    ) -> Result<(&'g str, T), CliError> {
        let problem = |what: String| CliError::setting(self.flag, what);
        let Some((document, value)) = grant.rsplit_once('=') else {
            return Err(problem(format!("{grant:?} is not {}", self.form)));
        };
        let value = read(value.trim()).ok_or_else(|| {
            problem(format!(
                "{value:?} in {grant:?} is not {}; use {}",
                self.kind, self.known
            ))
        })?;
        Ok((document.trim(), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_split_at_the_last_equals_sign() {
        assert_eq!(parse_role("*=writer").ok(), Some(("*", Role::Writer)));
        assert_eq!(parse_role("a=b=reader").ok(), Some(("a=b", Role::Reader)));
        let message = parse_role("doc-1").expect_err("no role").to_string();
        assert!(message.starts_with("--role"), "{message}");
        let message = parse_role("doc-1=owner")
            .expect_err("no such role")
            .to_string();
        assert!(message.contains("\"owner\""), "{message}");
    }

    #[test]
    fn permissions_are_split_at_the_last_equals_sign() {
        let parsed = parse_permission("a=b= comment:write").ok();
        assert_eq!(parsed, Some(("a=b", Permission::CommentWrite)));
        let message = parse_permission("doc-1")
            .expect_err("no permission")
            .to_string();
        assert!(message.starts_with("--permission"), "{message}");
        let message = parse_permission("doc-1=comment:edit")
            .expect_err("no such permission")
            .to_string();
        assert!(message.contains("\"comment:edit\""), "{message}");
    }
}
