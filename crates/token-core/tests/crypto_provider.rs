//! The issuer and the inspection sign and verify with jsonwebtoken's RustCrypto backend whatever
//! the application made jsonwebtoken's default for the process: an application that also uses
//! jsonwebtoken with its `aws_lc_rs` feature has both backends and no default, or installs one
//! of its own. Here a default that can neither sign nor verify is installed before anything
//! else runs; this file is its own test process.

use base64::Engine as _;
use ckeditor_token_core::{
    Environment, Expectations, Identity, Issuer, Role, SignatureCheck, inspect,
};
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::crypto::{CryptoProvider, KeyUtils};
use jsonwebtoken::errors::ErrorKind;

/// A provider of the application's own that refuses every algorithm.
static REFUSING: CryptoProvider = CryptoProvider {
    signer_factory: |_, _| Err(ErrorKind::InvalidAlgorithm.into()),
    verifier_factory: |_, _| Err(ErrorKind::InvalidAlgorithm.into()),
    key_utils: KeyUtils::new_unimplemented(),
};

#[test]
fn tokens_are_signed_and_verified_whatever_the_applications_default_provider() {
    REFUSING
        .install_default()
        .expect("the first provider installed in this process");
    const KEY: &str = "an access key of 32 bytes or more";
    let environment = Environment::new("ENV_PROVIDER", KEY).expect("environment");
    let issuer = Issuer::new(environment).expect("an issuer despite the application's provider");
    let identity = Identity::builder("user-1")
        .grant("*", Role::Writer)
        .build()
        .expect("identity");
    let token = issuer.collaboration(&identity).expect("token");
    let token = token.as_str();

    // The signature, computed independently: HMAC-SHA256 of the first two segments.
    let (signed, signature) = token.rsplit_once('.').expect("three segments");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).expect("key");
    mac.update(signed.as_bytes());
    let expected = mac.finalize().into_bytes();
    let found = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .expect("base64url");
    assert_eq!(found, expected.as_slice());

    let checked = |key: &str| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        let expectations = Expectations::at(now)
            .with_key(key.as_bytes())
            .with_environment_id("ENV_PROVIDER");
        inspect(token, &expectations).expect("inspection").signature
    };
    assert_eq!(checked(KEY), SignatureCheck::Valid);
    assert_eq!(
        checked("another key of 32 bytes or more!!"),
        SignatureCheck::Invalid
    );
}
