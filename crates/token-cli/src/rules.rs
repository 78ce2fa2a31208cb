//! Grants from rules: for a group, a user or everyone, a role and permissions on some documents,
//! a CKBox role and workspaces, AI scopes.
//!
//! A signed-in user gets what every rule that applies to them grants. Where two rules give roles
//! on the same document pattern, the higher role wins (reader < commentator < writer), and their
//! permissions add up; the higher CKBox role wins likewise (user < admin < superadmin), with
//! the workspaces of the rules that grant it (see [`CkboxGrant`]); AI scopes add up. A user no
//! rule applies to gets no token (403). A rule with `environments` applies only to the users of
//! those environments (a user whose sign-in names none is of `[environment]`'s).
//!
//! User IDs and groups are compared without the spaces and tabs around them: the
//! authentication drops those of what a request names ([`trim_spaces`]), and a rule whose user
//! or group has whitespace around it is refused at start-up, as a slip of the pen.
//!
//! Every rule is checked at start-up. Two rules with different patterns that can match the same
//! document (`*` and `doc-*`) are refused unless `token.allow_overlapping_grants` is set, since
//! the cloud does not document which of two matching patterns wins.

use ckeditor_token_core::{
    AiScope, CkboxRole, DocumentKey, EnvironmentId, Error, Grant, Identity, KeySearch, KeySet,
    MAX_GRANTS, Permission, Role, UserDecision, field,
};
use ckeditor_token_demo_login::settings::LogSecrets;

use crate::error::CliError;
use crate::settings::{OneOrMany, RuleSection, Settings};

/// The user as the authentication found them, before any grant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SignedInUser {
    /// The stable ID: the token's `sub`.
    pub(crate) id: String,
    /// The display name.
    pub(crate) name: Option<String>,
    /// The email address.
    pub(crate) email: Option<String>,
    /// The avatar URL.
    pub(crate) avatar: Option<String>,
    /// The groups the user belongs to.
    pub(crate) groups: Vec<String>,
    /// The ID of the environment the sign-in names for the user, whose key signs their token;
    /// `None` for the one of `[environment]`.
    pub(crate) environment: Option<String>,
}

/// The groups a refusal's log line shows, so that a group setting that reads the wrong field
/// shows up: at most [`SHOWN_GROUPS`] of them, quoted, and one that holds a key or secret of
/// `secrets` as `[secret]`.
fn groups_read(groups: &[String], secrets: &Secrets) -> String {
    match groups {
        [] => "the user is in no group".to_owned(),
        _ => {
            let shown: Vec<String> = groups
                .iter()
                .take(SHOWN_GROUPS)
                .map(|group| {
                    if secrets.found_in(group) {
                        "[secret]".to_owned()
                    } else {
                        format!("{group:?}")
                    }
                })
                .collect();
            let more = groups.len().saturating_sub(SHOWN_GROUPS);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("the user's groups are {}{more}", shown.join(", "))
        }
    }
}

/// The most groups a refusal's log line names.
const SHOWN_GROUPS: usize = 8;

/// `text` without the spaces and tabs around it, as HTTP reads a header's value: how every
/// authentication reads a user ID, a group and a profile field. Other whitespace is the text's
/// own: a no-break space or a line break around an ID makes it another account's ID, or one
/// the token cannot carry, never the ID without it.
pub(crate) fn trim_spaces(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// The groups in `names` as rules compare them: each [without the spaces and tabs around
/// it](trim_spaces), blank ones dropped. Every authentication reads its groups through this, so
/// that `" editors"` is the group `editors` whether a proxy's header or the application's answer
/// names it, and `"\u{a0}editors"` is not.
pub(crate) fn trimmed_groups<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    names
        .into_iter()
        .map(trim_spaces)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whom a rule is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Applies {
    Everyone,
    Group(String),
    User(String),
}

/// One checked rule.
#[derive(Debug, Clone)]
struct Rule {
    applies: Applies,
    documents: Vec<DocumentKey>,
    role: Option<Role>,
    permissions: Vec<Permission>,
    ckbox: Option<CkboxRole>,
    workspaces: Vec<String>,
    ai: Vec<AiScope>,
    /// The IDs of the environments whose users the rule is for; empty: every environment's.
    environments: Vec<String>,
}

impl Rule {
    /// Whether the rule is for `user`, of the environment `environment`.
    fn applies_to(&self, user: &SignedInUser, environment: Option<&str>) -> bool {
        let in_environment = self.environments.is_empty()
            || environment.is_some_and(|id| self.environments.iter().any(|listed| listed == id));
        in_environment
            && match &self.applies {
                Applies::Everyone => true,
                Applies::Group(group) => user.groups.iter().any(|member_of| member_of == group),
                Applies::User(id) => *id == user.id,
            }
    }

    /// Whether a user can be of an environment of this rule and of one of `other`.
    fn shares_environment_with(&self, other: &Rule) -> bool {
        self.environments.is_empty()
            || other.environments.is_empty()
            || self
                .environments
                .iter()
                .any(|id| other.environments.contains(id))
    }
}

/// The checked rules.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    rules: Vec<Rule>,
    allow_overlap: bool,
    /// The ID of `[environment]`, the environment of a user whose sign-in names none.
    first_environment: Option<String>,
    /// The server's keys and secrets, which no token may carry.
    secrets: Secrets,
}

/// The keys and secrets of the settings long enough to be looked for
/// ([`Settings::searched_secrets`]), with a search for each prepared once; counted in `Debug`,
/// never shown.
#[derive(Clone, Default)]
struct Secrets {
    count: usize,
    keys: KeySet,
    log: LogSecrets,
}

impl Secrets {
    fn new(texts: &[String]) -> Secrets {
        let searches: Vec<KeySearch> = texts
            .iter()
            .filter_map(|secret| KeySearch::new(secret.as_bytes()))
            .collect();
        Secrets {
            count: texts.len(),
            keys: KeySet::new(&searches),
            log: LogSecrets::new(texts),
        }
    }

    /// Whether `text` holds one of them: as it is, in another letter case or percent-encoded,
    /// as the core looks for the access key in a token.
    fn found_in(&self, text: &str) -> bool {
        self.keys.holds(text)
    }

    /// `text` with each of them hidden, as every message of the command hides them: also
    /// escaped, in another letter case, or cut short next to a `…`.
    fn hidden_in(&self, text: &str) -> String {
        self.log.hide(text)
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} hidden]", self.count)
    }
}

/// Why a value that holds a key or secret is not put into a token.
const HOLDS_SECRET: &str = concat!(
    "it holds the access key or another secret of this server, which every holder of the ",
    "token could read; check where the proxy or the application takes the user's data from"
);

impl Rules {
    /// Checks the `[[rule]]` entries of `settings`.
    ///
    /// # Errors
    ///
    /// A [`CliError::Setting`] naming the rule and its key: no rule at all, a rule for nobody or
    /// for more than one kind of user, a user or group with whitespace around it, a rule that
    /// grants nothing, documents without a role or permissions or those without documents,
    /// workspaces without a CKBox role, an unknown role, permission or CKBox role, a malformed
    /// document pattern, workspace or AI scope, one that holds a key or the trusted secret,
    /// `environments` empty or naming one that is not configured, overlapping patterns (for the
    /// users of one environment) without consent, or more patterns, workspaces or scopes for
    /// one environment's users than a token may hold.
    pub(crate) fn from_settings(settings: &Settings) -> Result<Rules, CliError> {
        let sections = &settings.values.rule;
        if sections.is_empty() {
            return Err(CliError::setting(
                settings.name("rule"),
                "no [[rule]] is configured, so every user would get 403; add a rule such as \
                 `everyone = true`, `documents = \"*\"`, `role = \"writer\"` to the \
                 configuration file (--config), as rules have no environment variables",
            ));
        }
        let rules = sections
            .iter()
            .enumerate()
            .map(|(index, section)| check_rule(settings, index + 1, section))
            .collect::<Result<Vec<_>, _>>()?;
        let allow_overlap = settings.flag(
            "token.allow_overlapping_grants",
            settings.values.token.allow_overlapping_grants.as_ref(),
        )?;
        if !allow_overlap {
            check_overlaps(settings, &rules)?;
        }
        check_totals(settings, &rules)?;
        // Where each tenant numbers its own users, one ID is a different person in each.
        let for_a_user = |rule: &&Rule| matches!(rule.applies, Applies::User(_));
        let everywhere = rules
            .iter()
            .position(|rule| for_a_user(&rule) && rule.environments.is_empty());
        if let Some(index) = everywhere
            && !settings.values.other_environment.is_empty()
        {
            tracing::warn!(
                "{} is for a user ID in every environment, and a tenant's user may have the ID \
                 of another tenant's; give it `environments`, unless the IDs are unique across \
                 the application",
                settings.name(&format!("rule[{}]", index + 1))
            );
        }
        let secrets: Vec<String> = settings.searched_secrets().map(str::to_owned).collect();
        Ok(Rules {
            rules,
            allow_overlap,
            first_environment: settings.values.environment.id.clone(),
            secrets: Secrets::new(&secrets),
        })
    }

    /// The number of the first rule for a group, as the settings name it (`rule[2]`), if any.
    pub(crate) fn first_for_a_group(&self) -> Option<usize> {
        let for_group = |rule: &Rule| matches!(rule.applies, Applies::Group(_));
        self.rules.iter().position(for_group).map(|index| index + 1)
    }

    /// `decision` with the server's secrets hidden in the text it gives the log: a refusal's
    /// reason, or what was wrong with the application's answer or the proxy's headers (which
    /// may quote them).
    pub(crate) fn hide_secrets(&self, decision: UserDecision) -> UserDecision {
        match decision {
            UserDecision::BadRequest(reason) => {
                UserDecision::BadRequest(self.secrets.hidden_in(&reason))
            }
            UserDecision::Refuse(reason) => UserDecision::Refuse(self.secrets.hidden_in(&reason)),
            UserDecision::Unavailable { failure, detail } => UserDecision::Unavailable {
                failure,
                detail: self.secrets.hidden_in(&detail),
            },
            UserDecision::InvalidIdentity(Error::InvalidIdentity {
                field,
                problem,
                subject,
            }) => UserDecision::InvalidIdentity(Error::InvalidIdentity {
                field,
                problem: self.secrets.hidden_in(&problem),
                subject,
            }),
            decision => decision,
        }
    }

    /// What `user` gets: a token with the grants of every rule that applies, in the environment
    /// the sign-in named for the user (or `[environment]`'s), or a refusal when none does.
    ///
    /// A name, email or avatar the token cannot carry (an email without `@`, a control
    /// character, the server's access key or another of its secrets) is left out of it, with a
    /// warning that names the field as `source` describes it: it is display data, and one bad
    /// entry in a directory should not keep its user out of the editor. An ID the token cannot
    /// carry still fails the request; one that holds a secret is not logged.
    pub(crate) fn decide(
        &self,
        user: &SignedInUser,
        source: impl Fn(&str) -> String,
    ) -> UserDecision {
        // Before anything logs the ID.
        if self.secrets.found_in(&user.id) {
            return UserDecision::InvalidIdentity(Error::InvalidIdentity {
                field: field::SUBJECT.to_owned(),
                problem: HOLDS_SECRET.to_owned(),
                subject: None,
            });
        }
        let environment = user.environment.as_deref();
        let environment = environment.or(self.first_environment.as_deref());
        let applying: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|rule| rule.applies_to(user, environment))
            .collect();
        if applying.is_empty() {
            // An ID the token cannot carry is the sign-in's fault (500, or 502 for the
            // application's answer), whatever the rules grant: the identity's own check of it,
            // with a grant every ID may have.
            let probe = Identity::builder(&user.id).ckbox(CkboxRole::User).build();
            if let Err(error @ Error::InvalidIdentity { .. }) = probe {
                return UserDecision::InvalidIdentity(error);
            }
            let in_environment = match &user.environment {
                Some(environment) => format!(" in the environment {environment:?}"),
                None => String::new(),
            };
            return UserDecision::Refuse(format!(
                "no rule grants user {:?} anything{in_environment}; {}",
                user.id,
                groups_read(&user.groups, &self.secrets)
            ));
        }

        let mut documents: Vec<(&DocumentKey, Option<Role>, Vec<Permission>)> = Vec::new();
        let mut ckbox: Option<CkboxGrant<'_>> = None;
        let mut ai: Vec<&AiScope> = Vec::new();
        for rule in applying {
            for key in &rule.documents {
                let index = match documents.iter().position(|(granted, ..)| *granted == key) {
                    Some(index) => index,
                    None => {
                        documents.push((key, None, Vec::new()));
                        documents.len() - 1
                    }
                };
                let (_, role, permissions) = &mut documents[index];
                *role = match (*role, rule.role) {
                    (Some(granted), Some(given)) => Some(higher_role(granted, given)),
                    (granted, given) => granted.or(given),
                };
                for permission in &rule.permissions {
                    if !permissions.contains(permission) {
                        permissions.push(*permission);
                    }
                }
            }
            if let Some(role) = rule.ckbox {
                let given = CkboxGrant::new(role, &rule.workspaces);
                ckbox = Some(match ckbox {
                    Some(granted) => granted.with(given),
                    None => given,
                });
            }
            for scope in &rule.ai {
                if !ai.contains(&scope) {
                    ai.push(scope);
                }
            }
        }

        let leave_out = |claim: &str, problem: &str| {
            tracing::warn!(
                subject = user.id.as_str(),
                field = %source(claim),
                problem,
                "a profile field the token cannot carry is left out of it"
            );
        };
        // Name, email and avatar, in the order of `PROFILE_FIELDS`.
        let mut profile = [
            user.name.as_deref(),
            user.email.as_deref(),
            user.avatar.as_deref(),
        ];
        for (claim, value) in PROFILE_FIELDS.iter().zip(&mut profile) {
            if value.is_some_and(|text| self.secrets.found_in(text)) {
                *value = None;
                leave_out(claim, HOLDS_SECRET);
            }
        }
        let mut builder = Identity::builder(&user.id);
        let [name, email, avatar] = profile;
        if let Some(name) = name {
            builder = builder.name(name);
        }
        if let Some(email) = email {
            builder = builder.email(email);
        }
        if let Some(avatar) = avatar {
            builder = builder.avatar(avatar);
        }
        for (key, role, permissions) in documents {
            let grant = match role {
                Some(role) => Grant::role(role).with_permissions(permissions),
                None => Grant::permissions(permissions),
            };
            builder = builder.grant(key.as_str(), grant);
        }
        if let Some(CkboxGrant { role, workspaces }) = ckbox {
            builder = builder
                .ckbox(role)
                .ckbox_workspaces(workspaces.unwrap_or_default());
        }
        builder = builder.ai_scopes(ai.iter().map(|scope| scope.as_str()));
        if self.allow_overlap {
            builder = builder.allow_overlapping_grants();
        }
        match builder.build_leaving_out_bad_profile() {
            Ok((identity, left_out)) => {
                for problem in left_out {
                    if let Error::InvalidIdentity { field, problem, .. } = problem {
                        leave_out(&field, &problem);
                    }
                }
                match &user.environment {
                    Some(environment) => UserDecision::IssueIn {
                        environment: environment.clone(),
                        identity,
                    },
                    None => UserDecision::Issue(identity),
                }
            }
            Err(error) => UserDecision::InvalidIdentity(error),
        }
    }
}

/// The fields of a token's `user` that `serve` may leave out.
const PROFILE_FIELDS: [&str; 3] = [field::NAME, field::EMAIL, field::AVATAR];

fn higher_role(a: Role, b: Role) -> Role {
    let rank = |role| Role::ALL.iter().position(|each| *each == role);
    if rank(b) > rank(a) { b } else { a }
}

/// The CKBox access of the rules that apply so far: the highest role, and the workspaces of the
/// rules that grant that role (`None`: every workspace, as when one of them names none). A token
/// holds one role for all its workspaces, so a lower role's workspaces are not taken into it.
#[derive(Debug)]
struct CkboxGrant<'r> {
    role: CkboxRole,
    workspaces: Option<Vec<&'r str>>,
}

impl<'r> CkboxGrant<'r> {
    fn new(role: CkboxRole, workspaces: &'r [String]) -> Self {
        let workspaces =
            (!workspaces.is_empty()).then(|| workspaces.iter().map(String::as_str).collect());
        CkboxGrant { role, workspaces }
    }

    /// This access and `other`'s together.
    fn with(self, other: CkboxGrant<'r>) -> Self {
        let rank = |role| CkboxRole::ALL.iter().position(|each| *each == role);
        match rank(other.role).cmp(&rank(self.role)) {
            std::cmp::Ordering::Greater => other,
            std::cmp::Ordering::Less => self,
            std::cmp::Ordering::Equal => {
                let workspaces = self
                    .workspaces
                    .zip(other.workspaces)
                    .map(|(mut all, more)| {
                        for workspace in more {
                            if !all.contains(&workspace) {
                                all.push(workspace);
                            }
                        }
                        all
                    });
                CkboxGrant {
                    role: self.role,
                    workspaces,
                }
            }
        }
    }
}

fn check_rule(settings: &Settings, number: usize, section: &RuleSection) -> Result<Rule, CliError> {
    let name = |key: &str| settings.name(&format!("rule[{number}].{key}"));
    let problem = |key: &str, text: String| CliError::setting(name(key), text);

    // The user IDs and groups of requests are read without the spaces and tabs around them,
    // and an ID with other whitespace around it gets no token: whitespace around a rule's is a
    // slip of the pen.
    let whom = |key: &str, value: &String| {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            Err(problem(key, "is empty; name a group or user ID".to_owned()))
        } else if trimmed != value {
            Err(problem(
                key,
                format!(
                    "{value:?} starts or ends with whitespace; write {trimmed:?}, as requests \
                     name users and groups without it (the spaces and tabs around a request's \
                     user ID or group are dropped)"
                ),
            ))
        } else {
            Ok(value.clone())
        }
    };
    let applies = match (&section.group, &section.user, section.everyone) {
        (Some(group), None, false) => Applies::Group(whom("group", group)?),
        (None, Some(user), false) => Applies::User(whom("user", user)?),
        (None, None, true) => Applies::Everyone,
        (None, None, false) => {
            return Err(CliError::setting(
                settings.name(&format!("rule[{number}]")),
                "says neither `group`, `user` nor `everyone = true`; say whom the rule is for",
            ));
        }
        _ => {
            return Err(CliError::setting(
                settings.name(&format!("rule[{number}]")),
                "gives more than one of `group`, `user` and `everyone = true`; write one rule \
                 for each",
            ));
        }
    };

    let (documents, role, permissions) = check_documents(section, &problem)?;
    let (ckbox, workspaces) = check_ckbox(section, &problem)?;
    let ai = section
        .ai_scopes
        .iter()
        .map(|scope| AiScope::new(scope).map_err(|error| problem("ai_scopes", error.to_string())))
        .collect::<Result<Vec<_>, _>>()?;

    // What a rule grants is copied into every token it applies to, which every holder can read.
    let holding = [
        (
            "documents",
            documents
                .iter()
                .any(|key| settings.holds_secret(key.as_str())),
        ),
        (
            "ckbox_workspaces",
            workspaces
                .iter()
                .any(|workspace| settings.holds_secret(workspace)),
        ),
        (
            "ai_scopes",
            ai.iter().any(|scope| settings.holds_secret(scope.as_str())),
        ),
    ];
    if let Some((field, _)) = holding.into_iter().find(|(_, holds)| *holds) {
        return Err(problem(
            field,
            "holds a key or the trusted secret, and every token the rule applies to would carry \
             it"
            .to_owned(),
        ));
    }

    if documents.is_empty() && ckbox.is_none() && ai.is_empty() {
        return Err(CliError::setting(
            settings.name(&format!("rule[{number}]")),
            "grants nothing; give `documents` with a `role` or `permissions`, a `ckbox_role`, or \
             `ai_scopes`",
        ));
    }
    let environments = check_environments(settings, section, &problem)?;
    Ok(Rule {
        applies,
        documents,
        role,
        permissions,
        ckbox,
        workspaces,
        ai,
        environments,
    })
}

/// A problem with the rule's setting `key`.
type Problem<'a> = dyn Fn(&str, String) -> CliError + 'a;

/// The rule's `environments`: IDs of the environments `serve` signs for, each once.
fn check_environments(
    settings: &Settings,
    section: &RuleSection,
    problem: &Problem<'_>,
) -> Result<Vec<String>, CliError> {
    let listed = section
        .environments
        .as_ref()
        .map(OneOrMany::items)
        .unwrap_or_default();
    if section.environments.is_some() && listed.is_empty() {
        return Err(problem(
            "environments",
            "is an empty list, so the rule would be for no one; name the environments whose \
             users it is for, or leave it out for every environment"
                .to_owned(),
        ));
    }
    let known = settings.environment_ids();
    let mut environments: Vec<String> = Vec::new();
    for id in listed {
        if !known.iter().any(|(_, known)| *known == id) {
            // A configured ID holds no secret; another is named only when it has an ID's shape.
            let shown = if EnvironmentId::new(&id).is_ok() && !settings.holds_secret(&id) {
                format!("{id:?} is not")
            } else {
                "one of them (not shown: it is not written as an ID, or holds a key or secret) \
                 is not"
                    .to_owned()
            };
            let configured: Vec<&str> = known.iter().map(|(_, id)| *id).collect();
            return Err(problem(
                "environments",
                format!(
                    "{shown} among the environments this server signs for: {}",
                    configured.join(", ")
                ),
            ));
        }
        if !environments.contains(&id) {
            environments.push(id);
        }
    }
    Ok(environments)
}

/// Document patterns, and the role and permissions granted on them.
type DocumentGrants = (Vec<DocumentKey>, Option<Role>, Vec<Permission>);

/// The rule's `documents`, and the `role` and `permissions` it grants on them: documents with
/// one or both of the others, or none of the three.
fn check_documents(
    section: &RuleSection,
    problem: &Problem<'_>,
) -> Result<DocumentGrants, CliError> {
    let documents = match &section.documents {
        Some(documents) => documents.items(),
        None => Vec::new(),
    };
    let permissions = section
        .permissions
        .iter()
        .map(|name| {
            Permission::from_name(name).ok_or_else(|| {
                let known = permission_names();
                problem(
                    "permissions",
                    format!("{name:?} is not a permission; use {known}"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let grants = section.role.is_some() || !permissions.is_empty();
    let role = match (&section.role, documents.is_empty()) {
        (_, true) if grants => {
            let absence = if section.documents.is_some() {
                "is empty"
            } else {
                "is missing"
            };
            return Err(problem(
                "documents",
                format!(
                    "{absence}; say which documents the role or permissions are for, `\"*\"` for \
                     every document"
                ),
            ));
        }
        (Some(role), _) => Some(Role::from_name(role).ok_or_else(|| {
            problem(
                "role",
                format!("{role:?} is not a role; use reader, commentator or writer"),
            )
        })?),
        (None, true) => None,
        (None, false) if permissions.is_empty() => {
            return Err(problem(
                "role",
                "is missing; say which role (or `permissions`) the documents are granted with"
                    .to_owned(),
            ));
        }
        (None, false) => None,
    };
    let documents = documents
        .iter()
        .map(|key| DocumentKey::new(key).map_err(|error| problem("documents", error.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((documents, role, permissions))
}

/// The rule's `ckbox_role` and the `ckbox_workspaces` it is limited to, which need it.
fn check_ckbox(
    section: &RuleSection,
    problem: &Problem<'_>,
) -> Result<(Option<CkboxRole>, Vec<String>), CliError> {
    let ckbox = match &section.ckbox_role {
        Some(role) => Some(CkboxRole::from_name(role).ok_or_else(|| {
            problem(
                "ckbox_role",
                format!("{role:?} is not a CKBox role; use user, admin or superadmin"),
            )
        })?),
        None => None,
    };
    let workspaces = section.ckbox_workspaces.clone();
    match ckbox {
        None if !workspaces.is_empty() => {
            return Err(problem(
                "ckbox_workspaces",
                "needs a `ckbox_role` in the same rule: workspaces limit the CKBox access it \
                 grants"
                    .to_owned(),
            ));
        }
        // The identity's own check of the workspaces, as every token will make it.
        Some(role) if !workspaces.is_empty() => {
            let probe = Identity::builder("rule").ckbox(role);
            if let Err(error) = probe.ckbox_workspaces(&workspaces).build() {
                return Err(problem("ckbox_workspaces", error.to_string()));
            }
        }
        _ => {}
    }
    Ok((ckbox, workspaces))
}

/// Every collaboration permission, as a setting or a flag names them: `document:read, ...
/// or comment:admin`.
pub(crate) fn permission_names() -> String {
    let names: Vec<&str> = Permission::ALL
        .iter()
        .map(|permission| permission.as_str())
        .collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn check_overlaps(settings: &Settings, rules: &[Rule]) -> Result<(), CliError> {
    let keys: Vec<(usize, &Rule, &DocumentKey)> = rules
        .iter()
        .enumerate()
        .flat_map(|(index, rule)| rule.documents.iter().map(move |key| (index + 1, rule, key)))
        .collect();
    for (position, (number, rule, key)) in keys.iter().enumerate() {
        for (other_number, other_rule, other) in &keys[..position] {
            // Rules for users of different environments never meet in one token.
            if other != key && other.overlaps(key) && rule.shares_environment_with(other_rule) {
                return Err(CliError::setting(
                    settings.name(&format!("rule[{number}].documents")),
                    format!(
                        "the pattern {:?} can match the same documents as {:?} of rule \
                         {other_number}, and the cloud does not document which one wins; make \
                         the patterns disjoint, use the same pattern in both rules (the higher \
                         role wins), or set token.allow_overlapping_grants = true",
                        key.as_str(),
                        other.as_str()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Refuses rules that could give one token more document patterns, CKBox workspaces or AI
/// scopes than it may hold: counted for the users of each environment, as rules for different
/// environments never meet in one token.
fn check_totals(settings: &Settings, rules: &[Rule]) -> Result<(), CliError> {
    let ids = settings.environment_ids();
    // Without environments (as in some tests), every rule counts together.
    let environments: Vec<Option<&str>> = if ids.is_empty() {
        vec![None]
    } else {
        ids.iter().map(|(_, id)| Some(*id)).collect()
    };
    for environment in environments {
        let mut keys: Vec<&DocumentKey> = Vec::new();
        let mut workspaces: Vec<&String> = Vec::new();
        let mut scopes: Vec<&AiScope> = Vec::new();
        let in_environment = |rule: &&Rule| {
            rule.environments.is_empty()
                || environment.is_some_and(|id| rule.environments.iter().any(|each| each == id))
        };
        for rule in rules.iter().filter(in_environment) {
            push_new(&mut workspaces, &rule.workspaces);
            push_new(&mut keys, &rule.documents);
            push_new(&mut scopes, &rule.ai);
        }
        if [keys.len(), workspaces.len(), scopes.len()]
            .iter()
            .any(|count| *count > MAX_GRANTS)
        {
            let whose = match environment {
                Some(id) if rules.iter().any(|rule| !rule.environments.is_empty()) => {
                    format!(" for the users of {id:?}")
                }
                _ => String::new(),
            };
            return Err(CliError::setting(
                settings.name("rule"),
                format!(
                    "the rules{whose} name {} document patterns, {} CKBox workspaces and {} AI \
                     scopes; a token holds at most {MAX_GRANTS} of each",
                    keys.len(),
                    workspaces.len(),
                    scopes.len()
                ),
            ));
        }
    }
    Ok(())
}

/// Adds to `into` each of `items` it does not hold yet.
fn push_new<'r, T: PartialEq>(into: &mut Vec<&'r T>, items: &'r [T]) {
    for item in items {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flag::FlagSetting;
    use crate::settings::{FileSettings, OtherEnvironmentSection};

    fn rule(applies: (&str, &str), documents: &[&str], role: Option<&str>) -> RuleSection {
        let documents: Vec<String> = documents.iter().map(|key| (*key).to_owned()).collect();
        let mut section = RuleSection {
            documents: (!documents.is_empty()).then_some(OneOrMany::Many(documents)),
            role: role.map(str::to_owned),
            ..RuleSection::default()
        };
        match applies {
            ("group", group) => section.group = Some(group.to_owned()),
            ("user", user) => section.user = Some(user.to_owned()),
            _ => section.everyone = true,
        }
        section
    }

    fn rules(sections: Vec<RuleSection>, allow_overlap: bool) -> Result<Rules, CliError> {
        let mut values = FileSettings {
            rule: sections,
            ..FileSettings::default()
        };
        values.token.allow_overlapping_grants = Some(FlagSetting::Bool(allow_overlap));
        Rules::from_settings(&Settings::from_values(values))
    }

    fn user(id: &str, groups: &[&str]) -> SignedInUser {
        SignedInUser {
            id: id.to_owned(),
            groups: groups.iter().map(|group| (*group).to_owned()).collect(),
            ..SignedInUser::default()
        }
    }

    fn grants(decision: UserDecision) -> Vec<(String, Role)> {
        let (UserDecision::Issue(identity) | UserDecision::IssueIn { identity, .. }) = decision
        else {
            panic!("expected a token, got {decision:?}");
        };
        identity
            .collaboration()
            .iter()
            .map(|(key, grant)| (key.to_string(), grant.role_value().expect("a role")))
            .collect()
    }

    #[test]
    fn the_higher_role_wins_and_other_users_are_refused() {
        let mut ckbox = rule(("group", "editors"), &["*"], Some("writer"));
        ckbox.ckbox_role = Some("admin".into());
        ckbox.ai_scopes = vec!["ai:models:*".into()];
        let mut reader_ckbox = rule(("everyone", ""), &["*"], Some("reader"));
        reader_ckbox.ckbox_role = Some("user".into());
        let rules = rules(
            vec![
                reader_ckbox,
                ckbox,
                rule(("user", "carol"), &["*"], Some("commentator")),
            ],
            false,
        )
        .expect("valid rules");

        assert_eq!(
            grants(rules.decide(&user("ann", &["editors"]), str::to_owned)),
            [("*".to_owned(), Role::Writer)]
        );
        assert_eq!(
            grants(rules.decide(&user("carol", &[]), str::to_owned)),
            [("*".to_owned(), Role::Commentator)]
        );
        let UserDecision::Issue(editor) = rules.decide(&user("ann", &["editors"]), str::to_owned)
        else {
            panic!("a token");
        };
        assert_eq!(editor.ckbox().map(|c| c.role), Some(CkboxRole::Admin));
        assert_eq!(editor.ai().len(), 1);

        let only_editors = super::tests::rules(
            vec![rule(("group", "editors"), &["doc-*"], Some("writer"))],
            false,
        )
        .expect("valid rules");
        let refusal = |reason: &str| UserDecision::Refuse(reason.to_owned());
        assert_eq!(
            only_editors.decide(&user("bob", &["readers"]), str::to_owned),
            refusal(r#"no rule grants user "bob" anything; the user's groups are "readers""#)
        );
        assert_eq!(
            only_editors.decide(&user("eve", &[]), str::to_owned),
            refusal(r#"no rule grants user "eve" anything; the user is in no group"#)
        );
        let many: Vec<String> = (1..=10).map(|n| format!("g{n}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let UserDecision::Refuse(reason) = only_editors.decide(&user("max", &many), str::to_owned)
        else {
            panic!("a refusal");
        };
        assert!(reason.ends_with(r#""g7", "g8" and 2 more"#), "{reason}");
    }

    /// Rules checked beside `[environment]` `home-env` and one other environment, `acme-env`.
    fn rules_in_environments(sections: Vec<RuleSection>) -> Result<Rules, CliError> {
        let mut values = FileSettings {
            rule: sections,
            ..FileSettings::default()
        };
        values.environment.id = Some("home-env".to_owned());
        values.other_environment = vec![OtherEnvironmentSection {
            id: Some("acme-env".to_owned()),
            ..OtherEnvironmentSection::default()
        }];
        Rules::from_settings(&Settings::from_values(values))
    }

    fn in_environments(mut section: RuleSection, ids: &[&str]) -> RuleSection {
        let ids = ids.iter().map(|id| (*id).to_owned()).collect();
        section.environments = Some(OneOrMany::Many(ids));
        section
    }

    #[test]
    fn a_rule_with_environments_is_for_their_users_only() {
        let rules = rules_in_environments(vec![
            in_environments(rule(("user", "42"), &["*"], Some("writer")), &["acme-env"]),
            in_environments(
                rule(("everyone", ""), &["doc-*"], Some("reader")),
                &["home-env"],
            ),
        ])
        .expect("valid rules: patterns that overlap in different environments never meet");
        let of = |environment: Option<&str>| SignedInUser {
            environment: environment.map(str::to_owned),
            ..user("42", &[])
        };
        let acme = rules.decide(&of(Some("acme-env")), str::to_owned);
        assert!(
            matches!(&acme, UserDecision::IssueIn { environment, .. } if environment == "acme-env"),
            "{acme:?}"
        );
        assert_eq!(grants(acme), [("*".to_owned(), Role::Writer)]);
        // A sign-in that names no environment is of `[environment]`'s, and so is one naming it.
        for home in [None, Some("home-env")] {
            assert_eq!(
                grants(rules.decide(&of(home), str::to_owned)),
                [("doc-*".to_owned(), Role::Reader)]
            );
        }

        let only_acme = rules_in_environments(vec![in_environments(
            rule(("user", "42"), &["*"], Some("writer")),
            &["acme-env"],
        )])
        .expect("valid rules");
        assert_eq!(
            only_acme.decide(&of(Some("home-env")), str::to_owned),
            UserDecision::Refuse(
                concat!(
                    r#"no rule grants user "42" anything in the environment "home-env"; "#,
                    "the user is in no group"
                )
                .to_owned()
            )
        );

        // Overlapping patterns for users of one environment are refused as always.
        let overlapping = rules_in_environments(vec![
            in_environments(rule(("user", "42"), &["*"], Some("writer")), &["acme-env"]),
            rule(("everyone", ""), &["doc-*"], Some("reader")),
        ]);
        let Err(error) = overlapping else {
            panic!("overlapping patterns accepted");
        };
        assert!(
            error.to_string().contains("can match the same documents"),
            "{error}"
        );

        // A token holds at most 64 patterns; rules for different environments count apart.
        let many = |prefix: &str, ids: &[&str]| {
            let keys: Vec<String> = (0..40).map(|n| format!("{prefix}-{n}")).collect();
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            in_environments(rule(("everyone", ""), &keys, Some("reader")), ids)
        };
        rules_in_environments(vec![many("a", &["acme-env"]), many("h", &["home-env"])])
            .expect("40 patterns in each environment");
        let both = &["home-env", "acme-env"];
        let Err(error) = rules_in_environments(vec![many("a", &["acme-env"]), many("h", both)])
        else {
            panic!("80 patterns for Acme's users accepted");
        };
        let expected = r#"the rules for the users of "acme-env" name 80 document patterns"#;
        assert!(error.to_string().contains(expected), "{error}");

        for (ids, expected) in [
            (
                &["initech-env"][..],
                concat!(
                    r#""initech-env" is not among the environments this server signs for: "#,
                    "home-env, acme-env"
                ),
            ),
            (
                &["acme env"][..],
                "one of them (not shown: it is not written as an ID",
            ),
            (&[][..], "is an empty list"),
        ] {
            let Err(error) = rules_in_environments(vec![in_environments(
                rule(("everyone", ""), &["*"], Some("reader")),
                ids,
            )]) else {
                panic!("{ids:?} accepted");
            };
            let message = error.to_string();
            assert!(message.contains("rule[1].environments"), "{message}");
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn a_user_or_group_with_whitespace_around_it_is_refused_with_the_text_to_write() {
        for (applies, key) in [
            (("user", " ann"), "rule[1].user"),
            (("group", "editors\t"), "rule[1].group"),
            (("group", "\u{a0}editors"), "rule[1].group"),
        ] {
            let message = rules(vec![rule(applies, &["*"], Some("writer"))], false)
                .expect_err(key)
                .to_string();
            assert!(message.starts_with(&format!("{key}: ")), "{message}");
            assert!(
                message.contains("starts or ends with whitespace"),
                "{message}"
            );
            let trimmed = format!("write {:?}, as requests name", applies.1.trim());
            assert!(message.contains(&trimmed), "{message}");
        }

        // Whitespace inside is part of the name.
        let inside = rules(
            vec![rule(("group", "copy editors"), &["*"], Some("writer"))],
            false,
        )
        .expect("a group with a space inside");
        let member = user("ann", &["copy editors"]);
        assert_eq!(
            grants(inside.decide(&member, str::to_owned)),
            [("*".to_owned(), Role::Writer)]
        );
    }

    #[test]
    fn groups_are_trimmed_and_blank_ones_dropped() {
        assert_eq!(
            trimmed_groups([
                "editors\n",
                " editors",
                "",
                " \t",
                "copy editors ",
                "\u{a0}editors\u{3000}"
            ]),
            [
                "editors\n",
                "editors",
                "copy editors",
                "\u{a0}editors\u{3000}"
            ]
        );
    }

    #[test]
    fn overlapping_patterns_need_consent() {
        let sections = || {
            vec![
                rule(("everyone", ""), &["*"], Some("reader")),
                rule(("group", "editors"), &["doc-*"], Some("writer")),
            ]
        };
        let message = rules(sections(), false).expect_err("overlap").to_string();
        assert!(message.starts_with("rule[2].documents"), "{message}");
        assert!(message.contains("allow_overlapping_grants"), "{message}");

        let rules = rules(sections(), true).expect("consented");
        assert_eq!(
            grants(rules.decide(&user("ann", &["editors"]), str::to_owned)),
            [
                ("*".to_owned(), Role::Reader),
                ("doc-*".to_owned(), Role::Writer)
            ]
        );
    }

    /// The grants of `user`'s token under `rules`, by document pattern.
    fn collaboration(rules: &Rules, user: &SignedInUser) -> Vec<(String, Grant)> {
        let UserDecision::Issue(identity) = rules.decide(user, str::to_owned) else {
            panic!("a token for {}", user.id);
        };
        let granted = identity.collaboration().iter();
        granted
            .map(|(key, grant)| (key.to_string(), grant.clone()))
            .collect()
    }

    #[test]
    fn an_id_the_token_cannot_carry_is_an_invalid_identity_even_when_no_rule_applies() {
        let only_editors = rules(
            vec![rule(("group", "editors"), &["*"], Some("writer"))],
            false,
        )
        .expect("valid rules");
        for id in ["a".repeat(300), "a\tb".to_owned(), "ann\u{2028}".to_owned()] {
            let decision = only_editors.decide(&user(&id, &[]), str::to_owned);
            let UserDecision::InvalidIdentity(Error::InvalidIdentity { field, .. }) = decision
            else {
                panic!("{id:?}: {decision:?}");
            };
            assert_eq!(field, "sub", "{id:?}");
        }
        assert!(matches!(
            only_editors.decide(&user("ann", &[]), str::to_owned),
            UserDecision::Refuse(_)
        ));
    }

    #[test]
    fn permissions_add_up_beside_the_higher_role() {
        // Permissions alone first, then roles on the same pattern.
        let mut commenters = rule(("everyone", ""), &["doc-*"], None);
        commenters.permissions = vec!["comment:write".into()];
        let mut readers = rule(("everyone", ""), &["doc-*"], Some("reader"));
        readers.permissions = vec!["comment:write".into()];
        let mut editors = rule(("group", "editors"), &["doc-*"], Some("writer"));
        editors.permissions = vec!["comment:admin".into(), "comment:write".into()];
        let mut notes = rule(("group", "editors"), &["notes-*"], None);
        notes.permissions = vec!["document:read".into()];
        let rules = rules(vec![commenters, readers, editors, notes], false).expect("valid rules");

        let both = [Permission::CommentWrite, Permission::CommentAdmin];
        assert_eq!(
            collaboration(&rules, &user("ann", &["editors"])),
            [
                (
                    "doc-*".into(),
                    Grant::role(Role::Writer).with_permissions(both)
                ),
                (
                    "notes-*".into(),
                    Grant::permissions([Permission::DocumentRead])
                ),
            ]
        );
        let reader = Grant::role(Role::Reader).with_permissions([Permission::CommentWrite]);
        assert_eq!(
            collaboration(&rules, &user("bob", &[])),
            [("doc-*".into(), reader)]
        );
    }

    /// The CKBox access of `user`'s token under `rules`: the role and the workspaces.
    fn ckbox(rules: &Rules, user: &SignedInUser) -> (CkboxRole, Vec<String>) {
        let UserDecision::Issue(identity) = rules.decide(user, str::to_owned) else {
            panic!("a token for {}", user.id);
        };
        let access = identity.ckbox().expect("CKBox access");
        (access.role, access.workspaces.clone())
    }

    #[test]
    fn the_higher_ckbox_role_comes_with_the_workspaces_of_its_own_rules_only() {
        let ckbox_rule = |applies, role: &str, workspaces: &[&str]| {
            let mut section = rule(applies, &[], None);
            section.ckbox_role = Some(role.to_owned());
            section.ckbox_workspaces = workspaces.iter().map(|id| (*id).to_owned()).collect();
            section
        };
        let rules = rules(
            vec![
                ckbox_rule(("everyone", ""), "user", &["ws-public"]),
                ckbox_rule(("group", "ws-1-admins"), "admin", &["ws-1"]),
                ckbox_rule(("group", "ws-2-admins"), "admin", &["ws-2", "ws-1"]),
                ckbox_rule(("group", "staff"), "superadmin", &[]),
                ckbox_rule(("group", "auditors"), "user", &[]),
            ],
            false,
        )
        .expect("valid rules");
        let ids = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();

        assert_eq!(
            ckbox(&rules, &user("u", &[])),
            (CkboxRole::User, ids(&["ws-public"]))
        );
        // An admin of ws-1 is no admin of ws-public, where the token would make them one.
        assert_eq!(
            ckbox(&rules, &user("a", &["ws-1-admins"])),
            (CkboxRole::Admin, ids(&["ws-1"]))
        );
        // Workspaces of the same role add up.
        assert_eq!(
            ckbox(&rules, &user("b", &["ws-1-admins", "ws-2-admins"])),
            (CkboxRole::Admin, ids(&["ws-1", "ws-2"]))
        );
        // A rule without workspaces grants every one, with its role.
        assert_eq!(
            ckbox(&rules, &user("c", &["staff", "ws-1-admins"])),
            (CkboxRole::Superadmin, ids(&[]))
        );
        assert_eq!(
            ckbox(&rules, &user("d", &["auditors"])),
            (CkboxRole::User, ids(&[]))
        );
    }

    #[test]
    fn the_rules_name_at_most_as_many_patterns_workspaces_and_scopes_as_a_token_holds() {
        let numbered = |count: usize, make: &dyn Fn(usize) -> RuleSection| {
            (1..=count).map(make).collect::<Vec<_>>()
        };
        let pattern = |n: usize| {
            rule(
                ("group", &format!("g{n}")),
                &[&format!("doc-{n}")],
                Some("reader"),
            )
        };
        let workspace = |n: usize| {
            let mut section = rule(("group", &format!("g{n}")), &[], None);
            section.ckbox_role = Some("user".into());
            section.ckbox_workspaces = vec![format!("ws-{n}")];
            section
        };
        let scope = |n: usize| {
            let mut section = rule(("group", &format!("g{n}")), &[], None);
            section.ai_scopes = vec![format!("ai:models:m{n}")];
            section
        };
        assert!(rules(numbered(MAX_GRANTS, &pattern), false).is_ok());
        assert!(rules(numbered(MAX_GRANTS, &workspace), false).is_ok());
        for (make, counts) in [
            (
                &pattern as &dyn Fn(usize) -> RuleSection,
                "65 document patterns, 0 CKBox",
            ),
            (
                &workspace,
                "0 document patterns, 65 CKBox workspaces and 0 AI",
            ),
            (&scope, "0 CKBox workspaces and 65 AI scopes"),
        ] {
            let message = rules(numbered(MAX_GRANTS + 1, make), false)
                .expect_err("too many")
                .to_string();
            assert!(message.starts_with("rule: the rules name"), "{message}");
            assert!(message.contains(counts), "{message}");
        }
    }

    #[test]
    fn malformed_rules_name_their_key() {
        let nothing = rule(("everyone", ""), &[], None);
        let mut two_kinds = rule(("group", "g"), &["*"], Some("writer"));
        two_kinds.user = Some("u".into());
        let mut bad_ckbox = rule(("group", "g"), &[], None);
        bad_ckbox.ckbox_role = Some("owner".into());
        let mut bad_scope = rule(("group", "g"), &[], None);
        bad_scope.ai_scopes = vec!["models:*".into()];
        let mut bad_permission = rule(("group", "g"), &["*"], None);
        bad_permission.permissions = vec!["comment:edit".into()];
        let mut permissions_nowhere = rule(("group", "g"), &[], None);
        permissions_nowhere.permissions = vec!["comment:read".into()];
        let mut workspaces_alone = rule(("group", "g"), &["*"], Some("reader"));
        workspaces_alone.ckbox_workspaces = vec!["ws-1".into()];
        let mut bad_workspace = rule(("group", "g"), &[], None);
        bad_workspace.ckbox_role = Some("user".into());
        bad_workspace.ckbox_workspaces = vec![" ws-1".into()];
        let cases = [
            (
                bad_permission,
                "rule[1].permissions: \"comment:edit\" is not a permission",
            ),
            (permissions_nowhere, "rule[1].documents: is missing"),
            (
                workspaces_alone,
                "rule[1].ckbox_workspaces: needs a `ckbox_role`",
            ),
            (
                bad_workspace,
                "rule[1].ckbox_workspaces: invalid auth.ckbox.workspaces: it starts or ends with \
                 whitespace",
            ),
            (rule(("group", "g"), &["*"], Some("owner")), "rule[1].role"),
            (rule(("group", "g"), &["*"], None), "rule[1].role"),
            (
                rule(("group", "g"), &[], Some("writer")),
                "rule[1].documents",
            ),
            (
                rule(("group", "g"), &["a*b"], Some("writer")),
                "rule[1].documents",
            ),
            (
                rule(("group", " "), &["*"], Some("writer")),
                "rule[1].group",
            ),
            (nothing, "rule[1]: grants nothing"),
            (two_kinds, "rule[1]: gives more than one"),
            (bad_ckbox, "rule[1].ckbox_role"),
            (bad_scope, "rule[1].ai_scopes"),
        ];
        for (section, start) in cases {
            let message = rules(vec![section], false).expect_err(start).to_string();
            assert!(message.starts_with(start), "{message}");
        }
        let none = rules(Vec::new(), false).expect_err("no rule").to_string();
        assert!(none.contains("403"), "{none}");
    }
}
