//! Closed vocabularies (kinds, statuses, categories): one macro gives each its spellings.

/// Declares a closed vocabulary: an enum whose serde, `Display` and `FromStr` spellings are the
/// given words, with `ALL` listing them and errors naming the field and every allowed word.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($(#[$vmeta:meta])* $variant:ident = $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $word)] $variant,)+
        }

        impl $name {
            /// Every word, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The word as the CLI and JSON write it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::FieldError;
            fn from_str(s: &str) -> Result<Self, $crate::FieldError> {
                Self::ALL.iter().copied().find(|w| w.as_str() == s).ok_or_else(|| {
                    let words: Vec<&str> = Self::ALL.iter().map(|w| w.as_str()).collect();
                    $crate::FieldError::new($field, s, format!("expected one of: {}", words.join(", ")))
                })
            }
        }
    };
}

pub(crate) use words;
