//! `text_enum!`: the one way to declare an enum that is stored, sent and shown
//! as fixed text (`as_str`, `parse`, `ALL`, `Display`, serde by that text, and
//! on the server a SQL column type, so rows parse into it at the store boundary).

/// Declares `pub enum $name { Variant => "text", … }` with `ALL`, `as_str`,
/// `parse` (a refusal names the kind of thing and the choices), `Display`,
/// serde by the text, and (`ssr`) `sqlx::Type`/`Encode`/`Decode` for `Any` and
/// its OpenAPI schema (the texts as an `enum`).
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Result<Self, String> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    format!(
                        "'{}' is not a {} (one of {})",
                        $crate::shared::text::bounded(s, 40),
                        $what,
                        names.join(", ")
                    )
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "ssr")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <&str as sqlx::Type<sqlx::Any>>::type_info()
            }
            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&self.as_str(), buf)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Ok($name::parse(text)?)
            }
        }

        // By hand: the derive does not see a `rename` given through a macro.
        #[cfg(feature = "ssr")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        /// Named after what it is (`request kind`: `RequestKind`), since two
        /// features each have their own `Kind`.
        #[cfg(feature = "ssr")]
        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                $crate::shared::enums::schema_name($what).into()
            }
        }
    };
}

pub(crate) use text_enum;

/// The OpenAPI schema name of a `text_enum!` from what it is called in words:
/// `"request kind"` → `RequestKind`, `"SKU family"` → `SkuFamily`.
pub fn schema_name(what: &str) -> String {
    what.split_whitespace()
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_names_are_what_the_enum_is_in_camel_case() {
        assert_eq!(super::schema_name("request kind"), "RequestKind");
        assert_eq!(super::schema_name("SKU family"), "SkuFamily");
        assert_eq!(super::schema_name("error code"), "ErrorCode");
    }
}
