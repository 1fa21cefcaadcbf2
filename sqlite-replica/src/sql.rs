//! The one door between the replica and a database engine. Every statement
//! of the replica (the materializer, the rule book's reads, receiving,
//! digests) is written once, in the SQL that SQLite and PostgreSQL both
//! accept, and runs through [`Sql`]: SQLite here, PostgreSQL in `hub-pg`.
//! A statement numbers its parameters `?1`, `?2`, ... (an engine that
//! spells them otherwise renders them, once per statement).
//!
//! Values are the four kinds both engines store alike: integers (`BIGINT`),
//! text, bytes and NULL. Money is text (a canonical decimal), never a float.

use crate::{ReplicaError, Result};

/// A value read from a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

/// A statement's parameter, borrowed from the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
    /// An unsigned integer no engine can store (above 2^63 - 1): binding
    /// it fails, naming the value, instead of wrapping it.
    TooBig(u64),
}

impl Param<'_> {
    /// The error for a parameter no engine stores.
    pub fn too_big(v: u64) -> ReplicaError {
        ReplicaError::invalid("integer", format!("{v} is above what a database stores"))
    }
}

/// Anything that binds as a [`Param`]: the [`p!`](crate::p) macro calls it.
pub trait ToParam {
    fn param(&self) -> Param<'_>;
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl ToParam for $t {
            fn param(&self) -> Param<'_> {
                Param::Int(i64::from(*self))
            }
        }
    )*};
}
signed!(i64, i32, u32, u16, u8);

impl ToParam for u64 {
    fn param(&self) -> Param<'_> {
        i64::try_from(*self).map_or(Param::TooBig(*self), Param::Int)
    }
}

impl ToParam for usize {
    fn param(&self) -> Param<'_> {
        i64::try_from(*self).map_or(Param::TooBig(*self as u64), Param::Int)
    }
}

impl ToParam for bool {
    fn param(&self) -> Param<'_> {
        Param::Int(i64::from(*self))
    }
}

impl ToParam for str {
    fn param(&self) -> Param<'_> {
        Param::Text(self)
    }
}

impl ToParam for String {
    fn param(&self) -> Param<'_> {
        Param::Text(self)
    }
}

impl ToParam for [u8] {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}

impl<const N: usize> ToParam for [u8; N] {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}

impl ToParam for Vec<u8> {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}

impl ToParam for Value {
    fn param(&self) -> Param<'_> {
        match self {
            Value::Null => Param::Null,
            Value::Int(i) => Param::Int(*i),
            Value::Text(s) => Param::Text(s),
            Value::Blob(b) => Param::Blob(b),
        }
    }
}

impl<T: ToParam> ToParam for Option<T> {
    fn param(&self) -> Param<'_> {
        self.as_ref().map_or(Param::Null, ToParam::param)
    }
}

impl<T: ToParam + ?Sized> ToParam for &T {
    fn param(&self) -> Param<'_> {
        (**self).param()
    }
}

/// The parameters of a statement: `p![a, b]` borrows each as a [`Param`].
#[macro_export]
macro_rules! p {
    () => { &[] as &[$crate::sql::Param<'_>] };
    ($($x:expr),+ $(,)?) => { &[$($crate::sql::ToParam::param(&$x)),+] };
}

/// A value a column is read as.
pub trait FromValue: Sized {
    fn from_value(v: Value) -> Result<Self>;
}

fn wrong(want: &str, v: &Value) -> ReplicaError {
    ReplicaError::Damaged(format!("expected {want}, found {v:?}"))
}

impl FromValue for Value {
    fn from_value(v: Value) -> Result<Self> {
        Ok(v)
    }
}

impl FromValue for i64 {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Int(i) => Ok(i),
            other => Err(wrong("an integer", &other)),
        }
    }
}

macro_rules! narrow {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value) -> Result<Self> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| {
                    ReplicaError::Damaged(format!("{i} is out of range for {}", stringify!($t)))
                })
            }
        }
    )*};
}
narrow!(u64, u32, u16, i32);

impl FromValue for bool {
    fn from_value(v: Value) -> Result<Self> {
        Ok(i64::from_value(v)? != 0)
    }
}

impl FromValue for String {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(wrong("text", &other)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Blob(b) => Ok(b),
            other => Err(wrong("bytes", &other)),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One row of a result, its cells in the query's column order.
#[derive(Clone, Debug, Default)]
pub struct Row(pub Vec<Value>);

impl Row {
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self
            .0
            .get(i)
            .cloned()
            .ok_or_else(|| ReplicaError::Damaged(format!("no column {i}")))?;
        T::from_value(v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Which engine a door opens on, for the few statements written once per
/// engine rather than once for both (the owner's reports sum money in the
/// server as `NUMERIC` on PostgreSQL, where SQLite has no exact decimal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A database engine, inside the caller's transaction.
pub trait Sql {
    /// The engine behind this door.
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
    /// Run a statement; how many rows it changed.
    fn run(&self, sql: &str, p: &[Param<'_>]) -> Result<u64>;
    /// Run a write whose count the caller does not need. An engine across a
    /// network may hold it and send it with the others before the
    /// transaction's next read, count or commit (in order: what a read
    /// sees is the same); its failure is then reported there, and fails
    /// the transaction all the same. SQLite runs it at once.
    fn queue(&self, sql: &str, p: &[Param<'_>]) -> Result<()> {
        self.run(sql, p).map(|_| ())
    }
    /// Each row of a query, in order, to `f`, until it answers false.
    fn each(
        &self,
        sql: &str,
        p: &[Param<'_>],
        f: &mut dyn FnMut(Row) -> Result<bool>,
    ) -> Result<()>;
}

/// Reading helpers over [`Sql::each`], for every engine and for `&dyn Sql`.
pub trait SqlExt: Sql {
    /// The first row, if any, through `f`.
    fn one<T>(
        &self,
        sql: &str,
        p: &[Param<'_>],
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut first = None;
        self.each(sql, p, &mut |r| {
            first = Some(r);
            Ok(false)
        })?;
        first.as_ref().map(f).transpose()
    }

    /// The first row, which the query always has (a count, an EXISTS).
    fn row<T>(&self, sql: &str, p: &[Param<'_>], f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
        self.one(sql, p, f)?
            .ok_or_else(|| ReplicaError::Damaged(format!("no row from `{sql}`")))
    }

    /// The first column of the first row, if any.
    fn value<T: FromValue>(&self, sql: &str, p: &[Param<'_>]) -> Result<Option<T>> {
        self.one(sql, p, |r| r.get(0))
    }

    /// Every row, through `f`.
    fn all<T>(
        &self,
        sql: &str,
        p: &[Param<'_>],
        mut f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each(sql, p, &mut |r| {
            out.push(f(&r)?);
            Ok(true)
        })?;
        Ok(out)
    }
}

impl<S: Sql + ?Sized> SqlExt for S {}

// SQLite: every statement through the connection's statement cache.

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Param::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Param::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Param::TooBig(v) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(Box::new(
                    Param::too_big(*v),
                )));
            }
        })
    }
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> Result<Value> {
    use rusqlite::types::ValueRef;
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => Value::Text(
            std::str::from_utf8(t)
                .map_err(|_| ReplicaError::Damaged("text is not UTF-8".into()))?
                .to_owned(),
        ),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        ValueRef::Real(f) => {
            return Err(ReplicaError::Damaged(format!(
                "a floating-point value ({f}) where the schema has none"
            )));
        }
    })
}

impl Sql for rusqlite::Connection {
    fn run(&self, sql: &str, p: &[Param<'_>]) -> Result<u64> {
        Ok(self
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(p))? as u64)
    }

    fn each(
        &self,
        sql: &str,
        p: &[Param<'_>],
        f: &mut dyn FnMut(Row) -> Result<bool>,
    ) -> Result<()> {
        let mut stmt = self.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(p))?;
        while let Some(r) = rows.next()? {
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                cells.push(sqlite_value(r.get_ref(i)?)?);
            }
            if !f(Row(cells))? {
                break;
            }
        }
        Ok(())
    }
}

impl Sql for rusqlite::Transaction<'_> {
    fn run(&self, sql: &str, p: &[Param<'_>]) -> Result<u64> {
        (**self).run(sql, p)
    }

    fn each(
        &self,
        sql: &str,
        p: &[Param<'_>],
        f: &mut dyn FnMut(Row) -> Result<bool>,
    ) -> Result<()> {
        (**self).each(sql, p, f)
    }
}

impl Sql for rusqlite::Savepoint<'_> {
    fn run(&self, sql: &str, p: &[Param<'_>]) -> Result<u64> {
        (**self).run(sql, p)
    }

    fn each(
        &self,
        sql: &str,
        p: &[Param<'_>],
        f: &mut dyn FnMut(Row) -> Result<bool>,
    ) -> Result<()> {
        (**self).each(sql, p, f)
    }
}
