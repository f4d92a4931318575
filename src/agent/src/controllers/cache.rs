//! The sync controller's caches of what its watches see (the kcp objects through the virtual
//! workspace, the copies on the service cluster), as controller-runtime's informers serve the
//! Go agent's reads.
//!
//! - Compact: an object is kept as its JSON text, without `managedFields` (a third of a small
//!   object's size, that the sync never reads) and with the top-level fields it [`Keep`]s,
//!   LZ4-compressed against the cache's first object (objects of one resource share most of
//!   their text), and parsed again when a reconcile reads it.
//! - One allocation per object (a numeric resourceVersion is kept inline): a burst of syncs
//!   leaves resident the slabs that any small allocation made during it and kept pins.
//! - Written through: the controller records the server's answer to each of its own writes, so
//!   the next reconcile never acts on an object older than its last write (a second create, a
//!   finalizer added twice), and the watch event of that write, which carries the same
//!   resourceVersion, is recognised as nothing new ([`Applied::news`]).
//! - Relists (kube-runtime's `Init` … `InitDone`) replace the contents at once, so objects
//!   deleted while a watch was down do not linger.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{OnceLock, RwLock};

use kube::runtime::watcher;

use super::object::JsonObject;
use serde_json::Value;

struct Entry {
    resource_version: ResourceVersion,
    /// The compact JSON, LZ4-compressed against [`Cache::dictionary`], its length prepended.
    data: Box<[u8]>,
}

/// A resourceVersion, kept without an allocation of its own when it is a number (etcd-style
/// revisions, as kube-apiserver's and kcp's are).
#[derive(Debug, PartialEq, Eq)]
enum ResourceVersion {
    Revision(u64),
    Opaque(Box<str>),
}

impl ResourceVersion {
    fn of(rv: &str) -> Self {
        // Only the canonical form: "007" (or "+7") stays text, as it differs from "7".
        let canonical =
            rv.bytes().all(|b| b.is_ascii_digit()) && (rv == "0" || !rv.starts_with('0'));
        match rv.parse::<u64>() {
            Ok(n) if canonical => ResourceVersion::Revision(n),
            _ => ResourceVersion::Opaque(rv.into()),
        }
    }

    fn of_object(obj: &Value) -> Self {
        Self::of(
            obj["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or_default(),
        )
    }

    /// Whether this is older than `other`. resourceVersions are opaque: only two revisions are
    /// compared.
    fn older(&self, other: &Self) -> bool {
        match (self, other) {
            (ResourceVersion::Revision(a), ResourceVersion::Revision(b)) => a < b,
            _ => false,
        }
    }
}

/// Which top-level fields of an object a cache keeps (`metadata` always, without
/// `managedFields`).
pub type Keep = Box<dyn Fn(&str) -> bool + Send + Sync>;

/// An object as a cache keeps it, written out without a copy made first.
struct Compact<'a> {
    obj: &'a serde_json::Map<String, Value>,
    keep: &'a Keep,
}

impl serde::Serialize for Compact<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = s.serialize_map(None)?;
        for (k, v) in self.obj {
            match (k.as_str(), v) {
                ("metadata", Value::Object(meta)) => {
                    map.serialize_entry(k, &WithoutManagedFields(meta))?
                }
                _ if (self.keep)(k) => map.serialize_entry(k, v)?,
                _ => {}
            }
        }
        map.end()
    }
}

struct WithoutManagedFields<'a>(&'a serde_json::Map<String, Value>);

impl serde::Serialize for WithoutManagedFields<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = s.serialize_map(None)?;
        for (k, v) in self.0 {
            if k != "managedFields" {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

/// The dictionary of a cache whose first object is too short to be one (LZ4 needs a few
/// bytes): the beginning every object's JSON shares.
const FALLBACK_DICTIONARY: &[u8] = concat!(
    r#"{"apiVersion":"v1","kind":"","metadata":"#,
    r#"{"name":"","namespace":"","uid":"","resourceVersion":""}}"#
)
.as_bytes();

/// The longest dictionary: LZ4 hashes it for each object compressed.
const MAX_DICTIONARY: usize = 4096;

impl Entry {
    fn of(
        obj: &Value,
        resource_version: ResourceVersion,
        keep: &Keep,
        dictionary: &OnceLock<Box<[u8]>>,
    ) -> Self {
        let json = match obj {
            Value::Object(o) => serde_json::to_vec(&Compact { obj: o, keep }).unwrap_or_default(),
            other => other.to_string().into_bytes(),
        };
        let dictionary = dictionary.get_or_init(|| {
            if json.len() < FALLBACK_DICTIONARY.len() {
                FALLBACK_DICTIONARY.into()
            } else {
                json[..json.len().min(MAX_DICTIONARY)].into()
            }
        });
        let mut out = vec![0; 4 + lz4_flex::block::get_maximum_output_size(json.len())];
        out[..4].copy_from_slice(&(json.len() as u32).to_le_bytes());
        let n = lz4_flex::block::compress_into_with_dict(&json, &mut out[4..], dictionary)
            .expect("the buffer has the maximum output size");
        Entry {
            resource_version,
            // Exactly its size: the buffer's is the worst case.
            data: out[..4 + n].into(),
        }
    }

    fn value(&self, dictionary: &OnceLock<Box<[u8]>>) -> Option<Value> {
        let json =
            lz4_flex::block::decompress_size_prepended_with_dict(&self.data, dictionary.get()?)
                .ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// What [`Cache::apply`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The key was cached before.
    pub had: bool,
    /// The object is news: absent before, or another resourceVersion than the one cached and
    /// not older than it. Only news is worth a reconcile.
    pub news: bool,
}

impl Applied {
    /// What recording an object of resourceVersion `rv` over `cached` would find.
    fn of(cached: Option<&Entry>, rv: &ResourceVersion) -> Self {
        match cached {
            None => Applied {
                had: false,
                news: true,
            },
            Some(cached) => Applied {
                had: true,
                news: cached.resource_version != *rv && !rv.older(&cached.resource_version),
            },
        }
    }
}

/// A change a relist made: the key, whether it was cached before and whether it is now.
pub type Relisted<K> = (K, bool, bool);

struct Inner<K> {
    objects: HashMap<K, Entry>,
    /// The objects of a relist under way.
    relist: Option<HashMap<K, Entry>>,
}

pub struct Cache<K> {
    inner: RwLock<Inner<K>>,
    keep: Keep,
    /// What the objects are compressed against: the first one's JSON, set once, as every
    /// entry needs the same to be read back.
    dictionary: OnceLock<Box<[u8]>>,
}

impl<K: Clone + Eq + Hash> Default for Cache<K> {
    fn default() -> Self {
        Self::new(Box::new(|_| true))
    }
}

impl<K: Clone + Eq + Hash> Cache<K> {
    /// A cache that keeps the top-level fields `keep` names, and the metadata.
    pub fn new(keep: Keep) -> Self {
        Cache {
            inner: RwLock::new(Inner {
                objects: HashMap::new(),
                relist: None,
            }),
            keep,
            dictionary: OnceLock::new(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner<K>> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner<K>> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The object under `key`, parsed.
    pub fn get(&self, key: &K) -> Option<Value> {
        self.read().objects.get(key)?.value(&self.dictionary)
    }

    /// The objects (parsed) whose key `key` accepts and that `pred` holds for: for the lookups
    /// that are not by key. Only the objects whose key is accepted are parsed.
    pub fn find(
        &self,
        key: impl Fn(&K) -> bool,
        pred: impl Fn(&K, &Value) -> bool,
    ) -> Vec<(K, Value)> {
        let inner = self.read();
        inner
            .objects
            .iter()
            .filter(|(k, _)| key(k))
            .filter_map(|(k, e)| {
                let v = e.value(&self.dictionary)?;
                pred(k, &v).then(|| (k.clone(), v))
            })
            .collect()
    }

    pub fn contains(&self, key: &K) -> bool {
        self.read().objects.contains_key(key)
    }

    /// Records `obj` under `key` (a watch event, or the answer to a write), unless an object of
    /// a newer resourceVersion is cached.
    pub fn apply(&self, key: K, obj: &Value) -> Applied {
        let rv = ResourceVersion::of_object(obj);
        // The watch echo of the agent's own write is the common case of nothing new: it is
        // told without writing the object out.
        let seen = Applied::of(self.read().objects.get(&key), &rv);
        if !seen.news {
            return seen;
        }
        let entry = Entry::of(obj, rv, &self.keep, &self.dictionary);
        let mut inner = self.write();
        // Looked at again: another event of the key may have been recorded meanwhile.
        let applied = Applied::of(inner.objects.get(&key), &entry.resource_version);
        if applied.news {
            inner.objects.insert(key, entry);
        }
        applied
    }

    /// Forgets `key`; whether it was cached.
    pub fn delete(&self, key: &K) -> bool {
        self.write().objects.remove(key).is_some()
    }

    /// A relist begins (kube-runtime's `Init`).
    fn relist_start(&self) {
        self.write().relist = Some(HashMap::new());
    }

    /// An object of the relist (`InitApply`).
    fn relist_apply(&self, key: K, obj: &Value) {
        let entry = Entry::of(
            obj,
            ResourceVersion::of_object(obj),
            &self.keep,
            &self.dictionary,
        );
        self.write()
            .relist
            .get_or_insert_with(HashMap::new)
            .insert(key, entry);
    }

    /// The relist is complete (`InitDone`): it replaces the contents. The keys that are news,
    /// or gone, are returned.
    fn relist_done(&self) -> Vec<Relisted<K>> {
        let mut inner = self.write();
        let fresh = inner.relist.take().unwrap_or_default();
        let old = std::mem::replace(&mut inner.objects, fresh);
        let mut changes = Vec::new();
        for (key, entry) in &inner.objects {
            match old.get(key) {
                Some(o) if o.resource_version == entry.resource_version => {}
                had => changes.push((key.clone(), had.is_some(), true)),
            }
        }
        for key in old.keys() {
            if !inner.objects.contains_key(key) {
                changes.push((key.clone(), true, false));
            }
        }
        changes
    }
}

impl<K: Clone + Eq + Hash> Cache<K> {
    /// Takes in one event of a kube-runtime watcher; `key_of` keys an object (`None`: not
    /// cached). The changes worth a reconcile: an object that is news, one that is gone, or,
    /// at the end of a relist, every key the relist changed.
    pub fn on_event(
        &self,
        event: watcher::Event<JsonObject>,
        mut key_of: impl FnMut(&Value) -> Option<K>,
    ) -> Vec<Relisted<K>> {
        let mut keyed = |o: JsonObject| Some((key_of(&o.value)?, o.value));
        match event {
            watcher::Event::Init => self.relist_start(),
            watcher::Event::InitApply(o) => {
                if let Some((key, value)) = keyed(o) {
                    self.relist_apply(key, &value);
                }
            }
            watcher::Event::InitDone => return self.relist_done(),
            watcher::Event::Apply(o) => {
                if let Some((key, value)) = keyed(o) {
                    let applied = self.apply(key.clone(), &value);
                    // Not news: the echo of the agent's own write.
                    if applied.news {
                        return vec![(key, applied.had, true)];
                    }
                }
            }
            watcher::Event::Delete(o) => {
                if let Some((key, _)) = keyed(o) {
                    let had = self.delete(&key);
                    return vec![(key, had, false)];
                }
            }
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(rv: &str, x: i32) -> Value {
        json!({"metadata": {"name": "a", "resourceVersion": rv,
               "managedFields": [{"manager": "m"}]}, "spec": {"x": x}})
    }

    #[test]
    fn compact_and_written_through() {
        let c = Cache::<&str>::default();
        assert_eq!(
            c.apply("a", &obj("5", 1)),
            Applied {
                had: false,
                news: true
            }
        );
        let got = c.get(&"a").unwrap();
        assert!(got["metadata"].get("managedFields").is_none());
        assert_eq!(got["spec"]["x"], 1);
        // The watch event of the write just recorded: nothing new.
        assert!(!c.apply("a", &obj("5", 1)).news);
        // An older event, after a newer write's answer, is ignored.
        assert!(c.apply("a", &obj("7", 2)).news);
        assert!(!c.apply("a", &obj("6", 9)).news);
        assert_eq!(c.get(&"a").unwrap()["spec"]["x"], 2);
        assert!(c.delete(&"a"));
        assert!(!c.contains(&"a"));

        let trimmed = Cache::<&str>::new(Box::new(|k| k != "spec"));
        trimmed.apply("a", &obj("5", 1));
        assert_eq!(
            trimmed.get(&"a").unwrap(),
            json!({"metadata": {"name": "a", "resourceVersion": "5"}})
        );
    }

    #[test]
    fn objects_are_compressed_against_the_first() {
        let c = Cache::<usize>::default();
        let big = |i: usize| {
            let text = "the same long text in every object of the cache ".repeat(8);
            let (name, rv) = (format!("obj-{i}"), format!("{}", 10 + i));
            json!({"metadata": {"name": name, "resourceVersion": rv},
                   "spec": {"text": text, "n": i}})
        };
        for i in 0..3 {
            c.apply(i, &big(i));
        }
        for i in 0..3 {
            assert_eq!(c.get(&i).unwrap(), big(i));
        }
        let inner = c.read();
        let (first, other) = (&inner.objects[&0], &inner.objects[&2]);
        let json_len = serde_json::to_vec(&big(2)).unwrap().len();
        assert!(
            other.data.len() * 4 < json_len && first.data.len() * 4 < json_len,
            "{} and {} bytes kept for {json_len}",
            first.data.len(),
            other.data.len()
        );

        // A first object too short to be the dictionary.
        let c = Cache::<usize>::default();
        c.apply(0, &json!({}));
        c.apply(1, &big(1));
        assert_eq!(c.get(&0).unwrap(), json!({}));
        assert_eq!(c.get(&1).unwrap(), big(1));
    }

    #[test]
    fn resource_versions_other_than_revisions_are_opaque() {
        let c = Cache::<&str>::default();
        assert!(c.apply("a", &obj("007", 1)).news);
        // Not a revision: neither older nor newer, only another one.
        assert!(c.apply("a", &obj("7", 2)).news);
        assert!(c.apply("a", &obj("x1", 3)).news);
        assert!(!c.apply("a", &obj("x1", 3)).news);
        assert!(c.apply("a", &obj("5", 4)).news);
        assert_eq!(c.get(&"a").unwrap()["spec"]["x"], 4);
        assert_eq!(ResourceVersion::of("0"), ResourceVersion::Revision(0));
        assert_eq!(ResourceVersion::of("12"), ResourceVersion::Revision(12));
        for text in ["", "007", "+7", "1a"] {
            assert_eq!(
                ResourceVersion::of(text),
                ResourceVersion::Opaque(text.into())
            );
        }
    }

    #[test]
    fn a_relist_replaces_everything() {
        let c = Cache::<&str>::default();
        c.apply("kept", &obj("1", 1));
        c.apply("changed", &obj("2", 1));
        c.apply("gone", &obj("3", 1));
        c.relist_start();
        c.relist_apply("kept", &obj("1", 1));
        c.relist_apply("changed", &obj("4", 2));
        c.relist_apply("new", &obj("5", 1));
        let mut changes = c.relist_done();
        changes.sort();
        assert_eq!(
            changes,
            vec![
                ("changed", true, true),
                ("gone", true, false),
                ("new", false, true)
            ]
        );
        assert!(c.contains(&"new") && c.contains(&"kept"));
        assert!(!c.contains(&"gone"));
    }
}
