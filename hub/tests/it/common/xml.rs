//! Just enough of an XML reader for the tests to read a file back (the
//! Tally export): elements, attributes and unescaped text.

use quick_xml::events::Event;

/// An element, its attributes, its text (trimmed) and its children.
#[derive(Debug, Default)]
pub struct El {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub kids: Vec<El>,
}

impl El {
    pub fn all(&self, name: &str) -> Vec<&El> {
        self.kids.iter().filter(|k| k.name == name).collect()
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all(name).first().map(|k| k.text.as_str())
    }
    pub fn at(&self, path: &[&str]) -> &El {
        let mut e = self;
        for n in path {
            e = e
                .all(n)
                .first()
                .unwrap_or_else(|| panic!("no {n} in {}", e.name));
        }
        e
    }
}

pub fn parse(xml: &str) -> El {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut stack = vec![El::default()];
    let open = |e: &quick_xml::events::BytesStart| El {
        name: e.name().as_ref().to_string(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.as_ref().to_string(),
                    quick_xml::escape::unescape(&a.value).unwrap().into(),
                )
            })
            .collect(),
        ..El::default()
    };
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => stack.last_mut().unwrap().kids.push(open(&e)),
            Event::End(_) => {
                let mut done = stack.pop().unwrap();
                done.text = quick_xml::escape::unescape(done.text.trim())
                    .unwrap()
                    .into();
                stack.last_mut().unwrap().kids.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t),
            Event::GeneralRef(g) => {
                let raw = format!("&{};", &*g);
                stack.last_mut().unwrap().text.push_str(&raw);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "every element closed");
    stack.pop().unwrap().kids.pop().unwrap()
}
