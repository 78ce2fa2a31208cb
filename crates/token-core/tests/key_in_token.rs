//! The issuer refuses a token that would carry the environment's access key, and looks for it
//! only in what the token carries. (Apart from `secrets.rs`, whose tests capture their log
//! lines: these issue tokens with no subscriber, which must not race the capture's.)

use ckeditor_token_core::{
    CkboxRole, Environment, Error, Expectations, Finding, Identity, Issuer, Product, Role, inspect,
};

mod keyed;

use keyed::{KEY, issuer, percent_encoded};

#[test]
fn the_key_is_searched_only_in_what_the_token_carries() {
    let issuer = issuer();
    // A collaboration token has no CKBox workspaces, and Export to PDF no identity at all.
    let workspace = Identity::builder("u")
        .grant("*", Role::Writer)
        .ckbox(CkboxRole::User)
        .ckbox_workspaces([KEY])
        .build()
        .expect("identity");
    assert!(issuer.collaboration(&workspace).is_ok());
    assert!(issuer.issue(Product::CloudService, &workspace).is_ok());
    assert!(issuer.ckbox(&workspace).is_err());
    // AI tokens carry no profile.
    let name = Identity::builder("u")
        .name(KEY)
        .ai_scopes(["ai:models:*"])
        .build()
        .expect("identity");
    assert!(issuer.ai(&name).is_ok());
    assert!(issuer.editor(&name).is_err());
    // A text holding part of the key is no leak; one holding it in other letter case is.
    let part = Identity::builder(&KEY[..KEY.len() - 1])
        .name(&KEY[1..])
        .grant("*", Role::Writer)
        .build()
        .expect("identity");
    assert!(issuer.collaboration(&part).is_ok());
    let other_case = Identity::builder("u")
        .name(KEY.to_lowercase())
        .grant("*", Role::Writer)
        .build()
        .expect("identity");
    assert!(matches!(
        issuer.collaboration(&other_case),
        Err(Error::KeyInIdentity {
            field: "user.name",
            ..
        })
    ));
}

#[test]
fn a_key_shorter_than_eight_bytes_is_not_searched() {
    // Any text may hold a few bytes by chance; a key that short is warned about at start-up.
    for (key, searched) in [("k3y-7ch", false), ("k3y-8chr", true)] {
        let issuer = Issuer::new(Environment::new("E", key).expect("accepted")).expect("issuer");
        let identity = Identity::builder(format!("u-{key}"))
            .grant("*", Role::Writer)
            .build()
            .expect("identity");
        assert_eq!(issuer.collaboration(&identity).is_err(), searched, "{key}");
    }
}

#[test]
fn texts_of_a_product_the_token_does_not_carry_are_not_searched() {
    let issuer = issuer();
    let document = Identity::builder("u")
        .grant(KEY, Role::Writer)
        .ai_scopes(["ai:models:*"])
        .ckbox(CkboxRole::User)
        .build()
        .expect("identity");
    assert!(issuer.ai(&document).is_ok());
    assert!(issuer.ckbox(&document).is_ok());
    assert!(issuer.collaboration(&document).is_err());
    let scope = Identity::builder("u")
        .grant("*", Role::Writer)
        .ai_scopes([format!("ai:models:{KEY}")])
        .build()
        .expect("identity");
    assert!(issuer.collaboration(&scope).is_ok());
    assert!(issuer.ai(&scope).is_err());
    // Export to PDF carries no `sub`.
    let subject = Identity::builder(KEY)
        .grant("*", Role::Writer)
        .build()
        .expect("identity");
    assert!(issuer.issue(Product::CloudService, &subject).is_ok());
}

proptest::proptest! {
    /// The issuer refuses exactly the tokens that carry its key (as it is, in other letter case
    /// or percent-encoded), as `inspect` finds them in the same claims signed with another key.
    #[test]
    fn the_issuer_refuses_exactly_what_inspect_finds_the_key_in(
        holders in proptest::collection::vec(proptest::bool::ANY, 7),
        form in 0..3_u8,
        product in proptest::sample::select(vec![
            Product::Collaboration,
            Product::Ckbox,
            Product::Ai,
            Product::CloudService,
            Product::Editor,
        ]),
    ) {
        let key = match form {
            0 => KEY.to_owned(),
            1 => KEY.to_uppercase(),
            _ => percent_encoded(KEY).to_lowercase(),
        };
        let text = |index: usize, plain: &str, holding: String| {
            if holders[index] { holding.replace(KEY, &key) } else { plain.to_owned() }
        };
        let identity = Identity::builder(text(0, "u-1", format!("u-{KEY}")))
            .name(text(1, "Ann", format!("Ann {KEY}")))
            .email(text(2, "ann@example.com", format!("{KEY}@example.com")))
            .avatar(text(3, "https://example.com/a.png", format!("https://example.com/{KEY}.png")))
            .grant(text(4, "doc-1", format!("doc-{KEY}")), Role::Writer)
            .ckbox(CkboxRole::User)
            .ckbox_workspaces([text(5, "w-1", format!("w-{KEY}"))])
            .ai_scopes([text(6, "ai:models:gpt", format!("ai:models:{KEY}"))])
            .build()
            .expect("identity");
        let other_key = Issuer::builder(
            Environment::new("E", "another-key-of-forty-bytes-0123456789ab").expect("env"),
        )
        .build()
        .expect("issuer");
        let token = other_key.issue(product, &identity).expect("a token with another key");
        let expect = Expectations::at(0).with_key(KEY.as_bytes());
        let carried = inspect(token.as_str(), &expect)
            .expect("a JWT")
            .findings
            .iter()
            .any(|finding| matches!(finding, Finding::KeyInToken { .. }));
        let refused = matches!(
            issuer().issue(product, &identity),
            Err(Error::KeyInIdentity { .. })
        );
        proptest::prop_assert_eq!(refused, carried, "{:?} {:?}", product, holders);
        // Which texts each product's token carries, by their index above.
        let carries: &[usize] = match product {
            Product::Collaboration => &[0, 1, 2, 3, 4],
            Product::Ckbox => &[0, 1, 2, 3, 5],
            Product::Ai => &[0, 6],
            Product::CloudService => &[],
            _ => &[0, 1, 2, 3, 4, 5, 6],
        };
        let expected = carries.iter().any(|&index| holders[index]);
        proptest::prop_assert_eq!(refused, expected, "{:?} {:?} form {}", product, holders, form);
    }
}

#[test]
fn a_key_with_quotes_is_refused_escaped_as_json_writes_it() {
    let key = r#"Kx9pQ72zZab"SECRET\0123456789abcdefXYZ"#;
    let issuer = Issuer::new(Environment::new("quoting-env", key).expect("env")).expect("issuer");
    // As JSON or Rust quote it, in another letter case too; unescaping gives the key back.
    let escaped = serde_json::to_string(key).expect("JSON");
    let unquoted = &escaped[1..escaped.len() - 1];
    assert_eq!(unquoted, r#"Kx9pQ72zZab\"SECRET\\0123456789abcdefXYZ"#);
    for name in [unquoted.to_owned(), unquoted.to_lowercase()] {
        let identity = Identity::builder("u")
            .name(name.as_str())
            .grant("*", Role::Writer)
            .build()
            .expect("identity");
        let error = issuer.collaboration(&identity).expect_err("refused");
        assert!(
            matches!(
                error,
                Error::KeyInIdentity {
                    field: "user.name",
                    ..
                }
            ),
            "{error:?}"
        );
    }
}
