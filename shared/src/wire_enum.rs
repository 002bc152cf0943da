//! `wire_enum!`: a closed set of values that travel as fixed strings (error codes,
//! audit activities).
//!
//! Each variant's string is written once and serves serde, `as_str`, `FromStr`,
//! `Display` and the OpenAPI schema, so they cannot disagree, and `ALL` is built
//! from the same list, so it cannot miss a variant. Serialize and Deserialize are
//! written over `as_str` and `FromStr` instead of derived: the derived visitors
//! would add a string matcher per enum to the web app's wasm, which already has
//! `as_str` and one search through `ALL`.

use std::fmt;

/// A string that names no value of a [`wire_enum!`] type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The type that was asked for, e.g. `ErrorCode`.
    pub kind: &'static str,
    pub value: String,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} `{}`", self.kind, self.value)
    }
}

impl std::error::Error for UnknownValue {}

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $text:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[cfg_attr(feature = "openapi", schema(rename = $text))]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The string on the wire (and in storage).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::wire_enum::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::wire_enum::UnknownValue {
                        kind: stringify!($name),
                        value: s.to_owned(),
                    })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(|_| {
                    <D::Error as ::serde::de::Error>::invalid_value(
                        ::serde::de::Unexpected::Str(&s),
                        &concat!("a known ", stringify!($name)),
                    )
                })
            }
        }
    };
}

pub(crate) use wire_enum;

/// Checks a [`wire_enum!`] type against `golden`, its strings written out by hand:
/// `all` holds each variant once, each string is the golden one and unique, and it
/// round-trips through serde, `FromStr` and `Display`.
#[cfg(test)]
pub(crate) fn assert_wire_enum<T>(
    all: &[T],
    as_str: fn(T) -> &'static str,
    golden: fn(T) -> &'static str,
) where
    T: Copy
        + fmt::Debug
        + fmt::Display
        + Eq
        + std::hash::Hash
        + std::str::FromStr<Err = UnknownValue>
        + serde::Serialize
        + serde::de::DeserializeOwned,
{
    use std::collections::HashSet;
    let mut variants = HashSet::new();
    let mut strings = HashSet::new();
    for v in all.iter().copied() {
        assert!(variants.insert(v), "{v:?} is listed twice");
        assert_eq!(as_str(v), golden(v), "{v:?} changed its string");
        assert!(strings.insert(as_str(v)), "`{v}` names two variants");
        let wire = serde_json::to_value(v).unwrap();
        assert_eq!(wire, serde_json::Value::String(as_str(v).to_owned()));
        assert_eq!(serde_json::from_value::<T>(wire).unwrap(), v);
        assert_eq!(as_str(v).parse::<T>(), Ok(v));
        assert_eq!(v.to_string(), as_str(v));
    }
    let unknown = serde_json::from_str::<T>("\"something_new\"");
    assert!(unknown.is_err());
    assert!("".parse::<T>().is_err());
}
