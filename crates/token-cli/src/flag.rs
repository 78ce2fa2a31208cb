//! Flags in a configuration file: a TOML boolean, or text as the environment variables take it
//! (`true`, `yes`, `0`, ...). Text is read when the setting is used, so a flag that one command
//! needs does not stop the commands that do not use it.

use std::fmt;

use ckeditor_token_demo_login::settings::parse_flag;
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A flag as the file or a variable gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlagSetting {
    /// A TOML boolean.
    Bool(bool),
    /// Text, from a variable or a string in the file.
    Text(String),
}

impl FlagSetting {
    /// The flag's value.
    ///
    /// # Errors
    ///
    /// Text that is not a flag; the message does not show it.
    pub(crate) fn value(&self) -> Result<bool, String> {
        match self {
            FlagSetting::Bool(value) => Ok(*value),
            FlagSetting::Text(text) => parse_flag(text),
        }
    }
}

/// Any other type is refused with what a flag is, so that the file's error names the key and
/// what it needs.
impl<'de> Deserialize<'de> for FlagSetting {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Expected;

        impl Visitor<'_> for Expected {
            type Value = FlagSetting;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean: true or false")
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<FlagSetting, E> {
                Ok(FlagSetting::Bool(value))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<FlagSetting, E> {
                Ok(FlagSetting::Text(text.to_owned()))
            }
        }

        deserializer.deserialize_any(Expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_the_variables_words_are_flags() {
        assert_eq!(FlagSetting::Bool(true).value(), Ok(true));
        assert_eq!(FlagSetting::Text(" No ".to_owned()).value(), Ok(false));
        assert_eq!(FlagSetting::Text("YES".to_owned()).value(), Ok(true));
        let problem = FlagSetting::Text("pasted-secret-0123456789".to_owned())
            .value()
            .expect_err("not a flag");
        assert!(!problem.contains("pasted-secret"), "{problem}");
    }
}
