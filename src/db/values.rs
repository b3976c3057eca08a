//! Typed values of `text` columns that a `CHECK` constraint limits to a few words (chat
//! types, roles, message types, privacy levels, bot-login states). Each is declared once
//! with [`text_enum!`], next to the rows that carry it: the one spelling of each value
//! drives the database mapping (`sqlx::Type`), the wire form (serde), `as_str` and
//! parsing (`FromStr`), so no other layer matches on the strings.

/// Text that is none of an enum's values (what `FromStr` of a [`text_enum!`] returns).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown value `{0}`")]
pub struct UnknownValue(pub String);

/// Declares a `Copy` enum stored as `text`: every variant with its text, once.
///
/// ```ignore
/// text_enum! {
///     /// A chat's type (`chats.type`).
///     pub enum ChatKind {
///         Private = "private",
///         Group = "group",
///     }
/// }
/// ```
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:tt, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash,
            sqlx::Type, serde::Serialize, serde::Deserialize,
        )]
        #[sqlx(type_name = "text")]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                #[sqlx(rename = $text)]
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored (and serialized) text.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::db::UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    _ => Err($crate::db::UnknownValue(text.to_owned())),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    use super::UnknownValue;

    text_enum! {
        /// A test enum.
        pub enum Shade {
            Light = "light",
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn each_value_has_one_text_for_parsing_display_and_serde() {
        for shade in Shade::ALL {
            let text = shade.as_str();
            assert_eq!(text.parse::<Shade>(), Ok(*shade));
            assert_eq!(shade.to_string(), text);
            let json = serde_json::to_string(shade).expect("serializes");
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Shade>(&json).ok(), Some(*shade));
        }
        assert_eq!(
            "Light".parse::<Shade>(),
            Err(UnknownValue("Light".to_owned()))
        );
    }
}
