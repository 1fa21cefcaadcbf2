//! Request bodies and query strings: read within a limit, parsed strictly,
//! with the path of the offending field in the refusal. Bad input is refused
//! before any service runs, so it changes nothing.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::Refusal;

/// Largest JSON body a device's local API takes.
pub const MAX_BODY: usize = 1024 * 1024;

/// How much of an oversized body is read (and dropped) before answering 413.
pub const DRAIN_BODY: usize = 32 * 1024 * 1024;

/// Read a body of at most `max` bytes. A larger body is refused with 413,
/// after reading (and dropping) up to [`DRAIN_BODY`] of it, so the client
/// finishes sending and sees the JSON answer instead of a broken pipe.
pub async fn read_limited(body: axum::body::Body, max: usize) -> Result<Vec<u8>, Refusal> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| Refusal::bad_request("body", format!("could not be read: {e}")))?;
        seen = seen.saturating_add(chunk.len());
        if seen <= max {
            buf.extend_from_slice(&chunk);
        } else if seen > DRAIN_BODY.max(max) {
            break;
        }
    }
    if seen > max {
        return Err(too_large(max));
    }
    Ok(buf)
}

pub fn too_large(max: usize) -> Refusal {
    Refusal {
        code: crate::Code::TooLarge,
        ..Refusal::invalid("body", format!("must be at most {max} bytes"))
    }
    .with_status(413)
}

/// Parse a JSON object into `T`. The refusal names the path of the bad
/// field (`lines[2].qty`), or the missing one.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Refusal> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(Refusal::bad_request("body", "must be valid UTF-8 JSON"));
    }
    // Every body is a JSON object; serde would otherwise take `[]` for a struct.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Refusal::bad_request("body", "must be a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            "body".to_string()
        } else {
            path
        };
        let rule = e.into_inner().to_string();
        // "missing field `x`" names a field inside the object being parsed.
        let field = match rule
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
        {
            Some(missing) if field == "body" => missing.to_string(),
            Some(missing) => format!("{field}.{missing}"),
            None => field,
        };
        Refusal::bad_request(field, rule)
    })
}

/// Parse a query string (none at all is `T::default()`).
pub fn parse_query<T: DeserializeOwned + Default>(q: Option<&str>) -> Result<T, Refusal> {
    match q {
        None => Ok(T::default()),
        Some(q) => {
            // The parameter at fault is named, as a body's field is: `from`,
            // not "query", when a date is malformed.
            let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
            serde_path_to_error::deserialize(de).map_err(|e| {
                let at = e.path().to_string();
                let field = if at == "." { "query" } else { at.as_str() };
                Refusal::bad_request(field, e.inner().to_string())
            })
        }
    }
}

/// A whole number as JSON has it: `46` or `46.0` (JSON Schema's `integer`
/// takes both, and so do clients that hold every number as a float). For
/// `#[serde(deserialize_with = "http_edge::body::whole_number")]`.
pub fn whole_number<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    use serde::de::Error;
    let n = <serde_json::Number as serde::Deserialize>::deserialize(d)?;
    let whole = n.as_u64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
            .map(|f| f as u64)
    });
    whole
        .and_then(|w| T::try_from(w).ok())
        .ok_or_else(|| D::Error::custom(format!("{n} is not a whole number in range")))
}

/// As [`whole_number`], for an optional field (`null` or absent is `None`).
pub fn whole_number_opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    #[derive(serde::Deserialize)]
    struct Whole<T: TryFrom<u64>>(#[serde(deserialize_with = "whole_number")] T);
    Ok(<Option<Whole<T>> as serde::Deserialize>::deserialize(d)?.map(|w| w.0))
}

/// A JSON body of at most [`MAX_BODY`] bytes, parsed strictly.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = Refusal;
    async fn from_request(req: Request, _state: &S) -> Result<Self, Refusal> {
        let bytes = read_limited(req.into_body(), MAX_BODY).await?;
        parse_json(&bytes).map(Json)
    }
}

/// A query string parsed strictly into `T` (absent: `T::default()`).
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequestParts<S> for Query<T> {
    type Rejection = Refusal;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Refusal> {
        parse_query(parts.uri.query()).map(Query)
    }
}

/// Path parameters parsed into `T` (ids, names). A malformed id is a 404
/// naming the parameter: no record can have it.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = Refusal;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(t)) => Ok(Path(t)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let field = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::DeserializeError { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
                    _ => "path".to_string(),
                };
                Err(Refusal {
                    code: crate::Code::NotFound,
                    ..Refusal::invalid(
                        field,
                        "must be an id like 0a1b2c3d-0000-0000-0000-000000000000",
                    )
                }
                .with_status(404))
            }
            Err(e) => Err(Refusal::internal(e.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        qty: u32,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Draft {
        lines: Vec<Line>,
    }

    #[test]
    fn the_refusal_names_the_path_of_the_bad_field() {
        let e = parse_json::<Draft>(br#"{"lines":[{"qty":1},{"qty":"x"}]}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("lines[1].qty"));
        assert_eq!(e.status, 400);
        let e = parse_json::<Draft>(br#"{"lines":[{}]}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("lines[0].qty"));
        let e = parse_json::<Draft>(b"{}").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("lines"));
    }

    #[test]
    fn only_a_json_object_is_a_body() {
        for b in [&b"[]"[..], &b""[..], &b"\xff{"[..], &b"  7"[..]] {
            assert_eq!(
                parse_json::<Draft>(b).unwrap_err().field.as_deref(),
                Some("body")
            );
        }
    }

    #[derive(serde::Deserialize, Debug)]
    struct Lease {
        #[serde(deserialize_with = "whole_number")]
        size: u64,
        #[serde(default, deserialize_with = "whole_number_opt")]
        fy: Option<u16>,
    }

    #[test]
    fn a_whole_number_may_be_written_as_a_float() {
        let l: Lease = parse_json(br#"{"size": 46.0, "fy": 2026.0}"#).unwrap();
        assert_eq!((l.size, l.fy), (46, Some(2026)));
        let l: Lease = parse_json(br#"{"size": 7}"#).unwrap();
        assert_eq!((l.size, l.fy), (7, None));
        for bad in [
            &br#"{"size": 4.5}"#[..],
            br#"{"size": -1}"#,
            br#"{"size": 1, "fy": 70000}"#,
            br#"{"size": 1e30}"#,
        ] {
            assert_eq!(parse_json::<Lease>(bad).unwrap_err().status, 400);
        }
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_with_413() {
        let big = axum::body::Body::from(vec![b' '; 101]);
        let e = read_limited(big, 100).await.unwrap_err();
        assert_eq!((e.status, e.code), (413, crate::Code::TooLarge));
        let ok = axum::body::Body::from(vec![b' '; 100]);
        assert_eq!(read_limited(ok, 100).await.unwrap().len(), 100);
    }
}
