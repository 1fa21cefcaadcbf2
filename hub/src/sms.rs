//! SMS through an Indian gateway under TRAI's DLT rules, as the hub speaks
//! it: every message goes with the business's registered sender header
//! (six letters), its principal entity id, and the DLT template id of the
//! registered text it fills; the text is the registered one with each
//! `{#var#}` replaced (at most 30 characters each, as DLT allows), or the
//! operator's scrubber drops it.
//!
//! The wire shape is Gupshup Enterprise's HTTP API (`method=SendMessage`
//! with `mask`, `principalEntityId`, `dltTemplateId`), which other Indian
//! gateways follow closely; its answer is a line `success | <number> |
//! <id>` or `error | <code> | <reason>`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sync_core::domain::messages::{Event, Language, Value, dlt_text};

use crate::whatsapp::SendError;

/// One registered template: its DLT id and its text with `{#var#}` slots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DltTemplate {
    pub id: String,
    pub text: String,
}

/// One business's SMS gateway, configured at the hub.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DltGateway {
    /// The gateway's endpoint (`https://enterprise.smsgupshup.com/GatewayAPI/rest`).
    pub base: String,
    pub userid: String,
    pub password: String,
    /// The registered sender header, e.g. `JLCARE`.
    pub sender: String,
    /// The business's DLT principal entity id.
    pub entity_id: String,
    /// Registered templates by `<event>:<language code>` (`job_ready:en`).
    #[serde(default)]
    pub templates: BTreeMap<String, DltTemplate>,
}

impl DltGateway {
    /// The registered template of `event` in `language`, if there is one.
    pub fn template(&self, event: Event, language: Language) -> Option<&DltTemplate> {
        self.templates
            .get(&format!("{}:{}", event.as_str(), language.code()))
    }

    /// Check what an operator gives: a six-letter header, ids, templates
    /// whose keys name an event and a language and whose text has the
    /// event's number of `{#var#}` slots. The error names the field.
    pub fn check(&self) -> Result<(), (String, String)> {
        if !(self.base.starts_with("https://") || self.base.starts_with("http://")) {
            return Err(("base".into(), "must be an http(s) address".into()));
        }
        if self.sender.len() != 6 || !self.sender.chars().all(|c| c.is_ascii_uppercase()) {
            return Err((
                "sender".into(),
                "must be the registered header: six capital letters".into(),
            ));
        }
        for (f, v) in [
            ("userid", &self.userid),
            ("password", &self.password),
            ("entity_id", &self.entity_id),
        ] {
            if v.trim().is_empty() {
                return Err((f.into(), "cannot be empty".into()));
            }
        }
        for (key, t) in &self.templates {
            let parsed = key
                .split_once(':')
                .and_then(|(e, l)| Some((Event::parse(e)?, Language::parse(l)?)));
            let Some((event, _)) = parsed else {
                return Err((
                    format!("templates.{key}"),
                    "must be <event>:<language>, e.g. job_ready:en".into(),
                ));
            };
            let slots = t.text.matches("{#var#}").count();
            if slots != event.variables().len() {
                return Err((
                    format!("templates.{key}"),
                    format!(
                        "the registered text has {slots} {{#var#}} slots; {} takes {}",
                        event.as_str(),
                        event.variables().len()
                    ),
                ));
            }
            if t.id.trim().is_empty() || !t.id.chars().all(|c| c.is_ascii_digit()) {
                return Err((
                    format!("templates.{key}.id"),
                    "must be the DLT template id (digits)".into(),
                ));
            }
        }
        Ok(())
    }

    /// The request for `values` by `template` to `to` (`91` and ten
    /// digits), as form fields; refuses a value a DLT slot cannot hold.
    pub fn request(
        &self,
        to: &str,
        template: &DltTemplate,
        values: &[String],
    ) -> Result<Vec<(&'static str, String)>, SendError> {
        let values: Vec<Value> = values.iter().map(|v| Value::Text(v.clone())).collect();
        let text = dlt_text(&template.text, &values).map_err(|e| SendError::Refused {
            code: 0,
            message: e.to_string(),
        })?;
        Ok(vec![
            ("method", "SendMessage".into()),
            ("send_to", to.into()),
            ("msg", text),
            ("msg_type", "TEXT".into()),
            ("userid", self.userid.clone()),
            ("auth_scheme", "plain".into()),
            ("password", self.password.clone()),
            ("v", "1.1".into()),
            ("format", "text".into()),
            ("mask", self.sender.clone()),
            ("principalEntityId", self.entity_id.clone()),
            ("dltTemplateId", template.id.clone()),
        ])
    }

    /// Send; the gateway's message id.
    pub async fn send(
        &self,
        http: &reqwest::Client,
        to: &str,
        template: &DltTemplate,
        values: &[String],
    ) -> Result<String, SendError> {
        let form = self.request(to, template, values)?;
        let body = serde_urlencoded::to_string(&form).map_err(|e| SendError::Refused {
            code: 0,
            message: e.to_string(),
        })?;
        let answer = http
            .post(&self.base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(SendError::of)?;
        let text = answer
            .text()
            .await
            .map_err(|e| SendError::Unanswered(e.to_string()))?;
        read_answer(&text)
    }
}

/// `success | 919845012345 | 3563384466453512345-12345` → the id;
/// `error | 105 | reason` → refused with the gateway's code and reason.
pub fn read_answer(text: &str) -> Result<String, SendError> {
    let parts: Vec<&str> = text.trim().split('|').map(str::trim).collect();
    match parts.as_slice() {
        ["success", _, id, ..] if !id.is_empty() => Ok((*id).to_string()),
        ["error", code, reason, ..] => Err(SendError::Refused {
            code: code.parse().unwrap_or_default(),
            message: (*reason).to_string(),
        }),
        _ => Err(SendError::Unanswered(format!(
            "an answer not in the gateway's shape: {text}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway() -> DltGateway {
        DltGateway {
            base: "https://enterprise.smsgupshup.com/GatewayAPI/rest".into(),
            userid: "2000123456".into(),
            password: "pw".into(),
            sender: "JLCARE".into(),
            entity_id: "1201159100000012345".into(),
            templates: BTreeMap::from([(
                "job_ready:en".to_string(),
                DltTemplate {
                    id: "1207161234567890123".into(),
                    text: "Dear {#var#}, your job {#var#} is ready. OTP {#var#}. -{#var#} JLCARE"
                        .into(),
                },
            )]),
        }
    }

    #[test]
    fn a_message_goes_with_its_header_entity_and_template_ids() {
        let g = gateway();
        assert_eq!(g.check(), Ok(()));
        let t = g.template(Event::JobReady, Language::English).unwrap();
        let form = g
            .request(
                "919845012345",
                t,
                &[
                    "Asha Rao".into(),
                    "BLR1-2-00017".into(),
                    "4821".into(),
                    "Jayanagar".into(),
                ],
            )
            .unwrap();
        let get = |k: &str| form.iter().find(|(f, _)| *f == k).map(|(_, v)| v.as_str());
        assert_eq!(get("mask"), Some("JLCARE"));
        assert_eq!(get("dltTemplateId"), Some("1207161234567890123"));
        assert_eq!(get("principalEntityId"), Some("1201159100000012345"));
        assert_eq!(
            get("msg"),
            Some("Dear Asha Rao, your job BLR1-2-00017 is ready. OTP 4821. -Jayanagar JLCARE")
        );
        assert!(g.template(Event::JobReady, Language::Hindi).is_none());
    }

    #[test]
    fn a_value_too_long_for_a_dlt_slot_is_refused_before_sending() {
        let g = gateway();
        let t = g.template(Event::JobReady, Language::English).unwrap();
        let long = "x".repeat(31);
        assert!(matches!(
            g.request(
                "919845012345",
                t,
                &[long, "J".into(), "1".into(), "S".into()]
            ),
            Err(SendError::Refused { .. })
        ));
    }

    #[test]
    fn settings_that_the_scrubber_would_drop_are_refused_naming_the_field() {
        let mut g = gateway();
        g.sender = "JLCare".into();
        assert_eq!(g.check().unwrap_err().0, "sender");
        let mut g = gateway();
        g.templates.get_mut("job_ready:en").unwrap().text = "Dear {#var#}, ready.".into();
        assert_eq!(g.check().unwrap_err().0, "templates.job_ready:en");
        let mut g = gateway();
        let t = g.templates.remove("job_ready:en").unwrap();
        g.templates.insert("ready:en".into(), t);
        assert_eq!(g.check().unwrap_err().0, "templates.ready:en");
    }

    #[test]
    fn the_gateways_answers_are_read() {
        assert_eq!(
            read_answer("success | 919845012345 | 3563384466453512345-12345\n"),
            Ok("3563384466453512345-12345".into())
        );
        assert_eq!(
            read_answer("error | 105 | Template mismatch"),
            Err(SendError::Refused {
                code: 105,
                message: "Template mismatch".into()
            })
        );
        assert!(matches!(
            read_answer("<html>"),
            Err(SendError::Unanswered(_))
        ));
    }
}
