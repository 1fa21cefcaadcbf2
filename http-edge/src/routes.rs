//! A router whose every route carries its own description. A handler is
//! registered only as an [`Op`] (method, handler, summary, body schema,
//! who may call it), and `/openapi.json` is made from the same list, so a
//! route cannot be served without being described, nor described without
//! being served.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter, on};
use serde_json::{Map, Value, json};

/// Who may call an operation, as the OpenAPI security requirement says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Anyone,
    /// A scheme name from the document's `securitySchemes`.
    Scheme(&'static str),
}

/// One method on one path: its handler and its description.
pub struct Op<S> {
    router: MethodRouter<S>,
    pub doc: Doc,
}

/// What the OpenAPI document says of one operation.
#[derive(Clone, Debug)]
pub struct Doc {
    pub method: &'static str,
    pub summary: &'static str,
    /// The request body's schema name in `components.schemas`.
    pub body: Option<&'static str>,
    pub access: Access,
    /// The success status and its description.
    pub success: (u16, &'static str),
    /// Further documented answers besides the 4XX refusal (a redirect).
    pub also: Vec<(u16, &'static str)>,
    /// Path parameters that are not ids: (name, schema).
    pub params: Vec<(&'static str, Value)>,
    /// The query parameters it reads: (name, schema).
    pub query: Vec<(&'static str, Value)>,
    /// Those of them it cannot do without.
    pub required_query: Vec<&'static str>,
    /// The success answer's schema name, when it has one.
    pub answer: Option<&'static str>,
    /// A `links` object for the success answer: what a client can call next
    /// with what this answer gives it.
    pub links: Option<Value>,
}

macro_rules! method {
    ($name:ident, $filter:ident, $m:literal) => {
        pub fn $name<H, T>(handler: H, summary: &'static str) -> Op<S>
        where
            H: Handler<T, S>,
            T: 'static,
        {
            Op::on(MethodFilter::$filter, $m, handler, summary)
        }
    };
}

impl<S: Clone + Send + Sync + 'static> Op<S> {
    fn on<H, T>(
        filter: MethodFilter,
        method: &'static str,
        handler: H,
        summary: &'static str,
    ) -> Op<S>
    where
        H: Handler<T, S>,
        T: 'static,
    {
        Op {
            router: on(filter, handler),
            doc: Doc {
                method,
                summary,
                body: None,
                access: Access::Anyone,
                success: (200, "OK"),
                also: vec![],
                params: vec![],
                query: vec![],
                required_query: vec![],
                answer: None,
                links: None,
            },
        }
    }

    method!(get, GET, "get");
    method!(post, POST, "post");
    method!(put, PUT, "put");
    method!(patch, PATCH, "patch");
    method!(delete, DELETE, "delete");

    pub fn body(mut self, schema: &'static str) -> Self {
        self.doc.body = Some(schema);
        self
    }

    pub fn access(mut self, scheme: &'static str) -> Self {
        self.doc.access = Access::Scheme(scheme);
        self
    }

    pub fn success(mut self, status: u16, description: &'static str) -> Self {
        self.doc.success = (status, description);
        self
    }

    pub fn also(mut self, status: u16, description: &'static str) -> Self {
        self.doc.also.push((status, description));
        self
    }

    pub fn param(mut self, name: &'static str, schema: Value) -> Self {
        self.doc.params.push((name, schema));
        self
    }

    pub fn query(mut self, name: &'static str, schema: Value) -> Self {
        self.doc.query.push((name, schema));
        self
    }

    /// A query parameter the operation cannot do without.
    pub fn required_query(mut self, name: &'static str, schema: Value) -> Self {
        self.doc.required_query.push(name);
        self.query(name, schema)
    }

    /// The success answer's schema name.
    pub fn answer(mut self, schema: &'static str) -> Self {
        self.doc.answer = Some(schema);
        self
    }

    /// What a client can call next with this answer: `method path`, its
    /// path parameter `param` taken from the answer's field at `pointer`
    /// (a JSON pointer such as `/id`). Links let a stateful tester reach
    /// real records instead of guessing ids.
    pub fn link(
        mut self,
        (method, path): (&'static str, &'static str),
        param: &'static str,
        pointer: &'static str,
    ) -> Self {
        let links = self.doc.links.get_or_insert_with(|| json!({}));
        links[operation_id(method, path)] = json!({
            "operationId": operation_id(method, path),
            "parameters": { param: format!("$response.body#{pointer}") }
        });
        self
    }
}

/// A path and its operations, in the order they were added.
struct Path {
    path: &'static str,
    ops: Vec<Doc>,
}

/// The router and its description, built together.
pub struct Described<S> {
    router: Router<S>,
    paths: Vec<Path>,
}

impl<S: Clone + Send + Sync + 'static> Default for Described<S> {
    fn default() -> Self {
        Described {
            router: Router::new(),
            paths: vec![],
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Described<S> {
    /// Serve `ops` at `path`. Each method once per path.
    pub fn route(mut self, path: &'static str, ops: impl IntoIterator<Item = Op<S>>) -> Self {
        let mut merged: Option<MethodRouter<S>> = None;
        let mut docs = vec![];
        for op in ops {
            assert!(
                !docs.iter().any(|d: &Doc| d.method == op.doc.method),
                "{} {path} registered twice",
                op.doc.method
            );
            merged = Some(match merged {
                None => op.router,
                Some(m) => m.merge(op.router),
            });
            docs.push(op.doc);
        }
        let merged = merged.expect("a path has at least one operation");
        self.router = self.router.route(path, merged);
        self.paths.push(Path { path, ops: docs });
        self
    }

    /// Every (method, path) served, as the description lists them.
    pub fn served(&self) -> Vec<(&'static str, &'static str)> {
        self.paths
            .iter()
            .flat_map(|p| p.ops.iter().map(move |o| (o.method, p.path)))
            .collect()
    }

    /// The OpenAPI 3.1 document: `info`, then the paths from the routes,
    /// then `components` as given (schemas, security schemes).
    pub fn openapi(&self, info: Value, components: Value) -> Value {
        let mut paths = Map::new();
        for p in &self.paths {
            let mut item = Map::new();
            for o in &p.ops {
                item.insert(o.method.to_string(), describe(p.path, o));
            }
            // OpenAPI has no catch-all segment: `{*path}` is described as `{path}`.
            paths.insert(p.path.replace("{*", "{"), Value::Object(item));
        }
        json!({ "openapi": "3.1.0", "info": info, "paths": paths, "components": components })
    }

    /// The router; add state, fallback and layers to it.
    pub fn into_router(self) -> Router<S> {
        self.router
    }
}

fn describe(path: &str, o: &Doc) -> Value {
    let mut success = json!({ "description": o.success.1 });
    if let Some(a) = o.answer {
        success["content"] = json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{a}") } } });
    }
    if let Some(l) = &o.links {
        success["links"] = l.clone();
    }
    let mut responses = Map::new();
    responses.insert(o.success.0.to_string(), success);
    for (status, d) in &o.also {
        responses.insert(status.to_string(), json!({ "description": d }));
    }
    responses.insert(
        "4XX".into(),
        json!({ "description": "Refused: bad input, not allowed, or not found; nothing changed", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }),
    );
    let mut op = json!({
        "operationId": operation_id(o.method, path),
        "summary": o.summary,
        "responses": responses
    });
    if let Some(b) = o.body {
        op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{b}") } } } });
    }
    if let Access::Scheme(s) = o.access {
        op["security"] = json!([{ s: [] }]);
    }
    let mut params: Vec<Value> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| name.trim_start_matches('*'))
        .map(|name| {
            let schema = o
                .params
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| s.clone())
                .unwrap_or_else(|| json!({ "type": "string", "format": "uuid" }));
            json!({ "name": name, "in": "path", "required": true, "schema": schema })
        })
        .collect();
    params.extend(
        o.query
            .iter()
            .map(|(name, schema)| json!({ "name": name, "in": "query", "required": o.required_query.contains(name), "schema": schema })),
    );
    if !params.is_empty() {
        op["parameters"] = json!(params);
    }
    op
}

/// A stable name of an operation, from its method and path:
/// `get /api/jobs/{id}` is `get_api_jobs_id`.
pub fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_string();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.extend(
            seg.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .map(|c| if c == '-' { '_' } else { c }),
        );
    }
    id
}

/// The error body every refusal has ([`crate::Refusal::to_json`]).
pub fn error_schema() -> Value {
    let codes: Vec<&str> = crate::Code::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "type": "object", "required": ["error"],
        "properties": { "error": {
            "type": "object", "required": ["code", "message"],
            "properties": {
                "code": { "type": "string", "enum": codes },
                "message": { "type": "string" },
                "field": { "type": "string" },
                "rule": { "type": "string" }
            }
        } }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> &'static str {
        "ok"
    }

    #[test]
    fn what_is_served_is_what_is_described() {
        let d: Described<()> = Described::default()
            .route(
                "/a",
                [Op::get(ok, "read a"), Op::post(ok, "write a").body("A")],
            )
            .route("/a/{id}", [Op::delete(ok, "remove one")]);
        assert_eq!(
            d.served(),
            [("get", "/a"), ("post", "/a"), ("delete", "/a/{id}")]
        );
        let doc = d.openapi(json!({}), json!({}));
        assert_eq!(
            doc["paths"]["/a"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/A"
        );
        assert_eq!(
            doc["paths"]["/a/{id}"]["delete"]["parameters"][0]["schema"]["format"],
            "uuid"
        );
        assert_eq!(
            doc["paths"]["/a/{id}"]["delete"]["operationId"],
            "delete_a_id"
        );
        assert_eq!(operation_id("get", "/ui/{*path}"), "get_ui_path");
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn one_method_once_per_path() {
        let _ = Described::<()>::default().route("/a", [Op::get(ok, "x"), Op::get(ok, "y")]);
    }
}
