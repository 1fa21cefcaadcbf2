//! What a repair counter tells its customer, and in whose words: the events
//! that send a message, the built-in wording of each in the languages a
//! branch serves, and the text each channel needs — WhatsApp's approved
//! template with numbered body parameters (`{{1}}`, `{{2}}`), an Indian SMS
//! gateway's DLT-registered text with its `{#var#}` slots, and the plain
//! text of a click-to-chat link that the counter opens with one click.
//!
//! Pure: a device renders the message of an event in the same transaction as
//! the event, and the hub renders previews, with the same code.

use crate::domain::date::Date;
use crate::domain::money::format_inr;
use crate::error::CoreError;
use rust_decimal::Decimal;

/// The moments a customer hears from the shop.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A job card is opened: the device is in.
    JobOpened,
    /// The estimate is ready for the customer's yes or no.
    EstimateShared,
    /// Ready for pickup, with the delivery OTP.
    JobReady,
    /// A tax invoice is finalized: its link and a UPI link to pay it.
    InvoiceFinalized,
    /// A payment was received.
    PaymentReceived,
}

impl Event {
    pub const ALL: [Event; 5] = [
        Event::JobOpened,
        Event::EstimateShared,
        Event::JobReady,
        Event::InvoiceFinalized,
        Event::PaymentReceived,
    ];

    /// The name a WhatsApp template is approved under, and the key of the
    /// event wherever it is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::JobOpened => "job_opened",
            Event::EstimateShared => "estimate_shared",
            Event::JobReady => "job_ready",
            Event::InvoiceFinalized => "invoice_finalized",
            Event::PaymentReceived => "payment_received",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// What each numbered variable of the event's message is, in order.
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            Event::JobOpened => &["customer", "job number", "device", "shop"],
            Event::EstimateShared => &["customer", "job number", "total", "link"],
            Event::JobReady => &["customer", "job number", "OTP", "shop"],
            Event::InvoiceFinalized => &["customer", "invoice number", "total", "link"],
            Event::PaymentReceived => &["customer", "amount", "invoice number", "date"],
        }
    }
}

/// The languages the built-in wording comes in: English, Hindi, and the
/// state languages of the branches the product serves first.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Language {
    #[serde(rename = "en")]
    English,
    #[serde(rename = "hi")]
    Hindi,
    #[serde(rename = "kn")]
    Kannada,
    #[serde(rename = "ta")]
    Tamil,
}

impl Language {
    pub const ALL: [Language; 4] = [
        Language::English,
        Language::Hindi,
        Language::Kannada,
        Language::Tamil,
    ];

    /// The code WhatsApp templates are approved under.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Hindi => "hi",
            Language::Kannada => "kn",
            Language::Tamil => "ta",
        }
    }

    pub fn parse(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The state language of a branch in `state_code` (GST's two digits),
    /// where the built-in wording has it.
    pub fn of_state(state_code: &str) -> Option<Language> {
        match state_code {
            "29" => Some(Language::Kannada),
            "33" | "34" => Some(Language::Tamil),
            // Delhi, Uttar Pradesh, Bihar, Madhya Pradesh, Rajasthan, ...
            "07" | "09" | "10" | "23" | "08" | "06" | "05" | "02" | "22" | "20" => {
                Some(Language::Hindi)
            }
            _ => None,
        }
    }
}

/// The built-in wording of `event` in `language`, its variables as `{{1}}`,
/// `{{2}}`, ... in [`Event::variables`]' order. Good enough to use as it is;
/// a business edits its own at the hub.
pub fn default_text(event: Event, language: Language) -> &'static str {
    use Event::*;
    use Language::*;
    match (event, language) {
        (JobOpened, English) => {
            "Dear {{1}}, we have received your {{3}} for repair. Your job number is {{2}}; we will keep you posted. - {{4}}"
        }
        (JobOpened, Hindi) => {
            "प्रिय {{1}}, आपका {{3}} मरम्मत के लिए प्राप्त हो गया है। आपका जॉब नंबर {{2}} है; हम आपको सूचित करते रहेंगे। - {{4}}"
        }
        (JobOpened, Kannada) => {
            "ಆತ್ಮೀಯ {{1}}, ನಿಮ್ಮ {{3}} ದುರಸ್ತಿಗಾಗಿ ನಮಗೆ ತಲುಪಿದೆ. ನಿಮ್ಮ ಜಾಬ್ ಸಂಖ್ಯೆ {{2}}; ನಿಮಗೆ ತಿಳಿಸುತ್ತಿರುತ್ತೇವೆ. - {{4}}"
        }
        (JobOpened, Tamil) => {
            "அன்புள்ள {{1}}, உங்கள் {{3}} பழுது நீக்க எங்களிடம் வந்துள்ளது. உங்கள் வேலை எண் {{2}}; தகவல் தெரிவிப்போம். - {{4}}"
        }
        (EstimateShared, English) => {
            "Dear {{1}}, the estimate for job {{2}} is ₹{{3}}. See it and approve or decline here: {{4}}"
        }
        (EstimateShared, Hindi) => {
            "प्रिय {{1}}, जॉब {{2}} का अनुमान ₹{{3}} है। यहाँ देखें और स्वीकृत या अस्वीकार करें: {{4}}"
        }
        (EstimateShared, Kannada) => {
            "ಆತ್ಮೀಯ {{1}}, ಜಾಬ್ {{2}} ರ ಅಂದಾಜು ₹{{3}}. ಇಲ್ಲಿ ನೋಡಿ ಒಪ್ಪಿಗೆ ಅಥವಾ ನಿರಾಕರಣೆ ನೀಡಿ: {{4}}"
        }
        (EstimateShared, Tamil) => {
            "அன்புள்ள {{1}}, வேலை {{2}} க்கான மதிப்பீடு ₹{{3}}. இங்கே பார்த்து ஒப்புதல் அல்லது மறுப்பு தெரிவிக்கவும்: {{4}}"
        }
        (JobReady, English) => {
            "Dear {{1}}, your job {{2}} is ready for pickup. Share OTP {{3}} at the counter to collect it. - {{4}}"
        }
        (JobReady, Hindi) => {
            "प्रिय {{1}}, आपका जॉब {{2}} लेने के लिए तैयार है। लेते समय काउंटर पर OTP {{3}} बताएं। - {{4}}"
        }
        (JobReady, Kannada) => {
            "ಆತ್ಮೀಯ {{1}}, ನಿಮ್ಮ ಜಾಬ್ {{2}} ಪಡೆದುಕೊಳ್ಳಲು ಸಿದ್ಧವಾಗಿದೆ. ಪಡೆಯುವಾಗ ಕೌಂಟರ್‌ನಲ್ಲಿ OTP {{3}} ತಿಳಿಸಿ. - {{4}}"
        }
        (JobReady, Tamil) => {
            "அன்புள்ள {{1}}, உங்கள் வேலை {{2}} பெற்றுக்கொள்ள தயாராக உள்ளது. பெறும்போது கவுண்டரில் OTP {{3}} சொல்லவும். - {{4}}"
        }
        (InvoiceFinalized, English) => {
            "Dear {{1}}, your invoice {{2}} for ₹{{3}} is ready. View and pay it here: {{4}}"
        }
        (InvoiceFinalized, Hindi) => {
            "प्रिय {{1}}, ₹{{3}} का आपका बिल {{2}} तैयार है। यहाँ देखें और भुगतान करें: {{4}}"
        }
        (InvoiceFinalized, Kannada) => {
            "ಆತ್ಮೀಯ {{1}}, ₹{{3}} ಮೊತ್ತದ ನಿಮ್ಮ ಬಿಲ್ {{2}} ಸಿದ್ಧವಾಗಿದೆ. ಇಲ್ಲಿ ನೋಡಿ ಪಾವತಿಸಿ: {{4}}"
        }
        (InvoiceFinalized, Tamil) => {
            "அன்புள்ள {{1}}, ₹{{3}} க்கான உங்கள் பில் {{2}} தயார். இங்கே பார்த்து செலுத்தவும்: {{4}}"
        }
        (PaymentReceived, English) => {
            "Dear {{1}}, we have received ₹{{2}} against invoice {{3}} on {{4}}. Thank you!"
        }
        (PaymentReceived, Hindi) => {
            "प्रिय {{1}}, बिल {{3}} के लिए ₹{{2}} का भुगतान {{4}} को प्राप्त हुआ। धन्यवाद!"
        }
        (PaymentReceived, Kannada) => {
            "ಆತ್ಮೀಯ {{1}}, ಬಿಲ್ {{3}} ಗೆ ₹{{2}} ಪಾವತಿ {{4}} ರಂದು ತಲುಪಿದೆ. ಧನ್ಯವಾದಗಳು!"
        }
        (PaymentReceived, Tamil) => {
            "அன்புள்ள {{1}}, பில் {{3}} க்கு ₹{{2}} கட்டணம் {{4}} அன்று பெறப்பட்டது. நன்றி!"
        }
    }
}

/// Where a message stands, as the hub last heard from its channel. The
/// hub reports only moves forward ([`Status::rank`]), each as an op in the
/// branch's chain, so every replica shows the same status.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Recorded with its event; the hub has not sent it yet.
    Queued,
    /// No channel is set up at the hub: the counter sends it by hand
    /// (the click-to-chat link).
    NotSent,
    /// The hub stopped or lost the link after asking the provider to send
    /// it, before the answer: it may or may not have gone out, and is
    /// never sent again by itself (a person resends, or a delivery report
    /// settles it).
    Unknown,
    /// The provider took it.
    Sent,
    Delivered,
    Read,
    /// The provider refused it or could not deliver it; the reason is kept.
    Failed,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Queued,
        Status::NotSent,
        Status::Unknown,
        Status::Sent,
        Status::Delivered,
        Status::Read,
        Status::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::NotSent => "not_sent",
            Status::Unknown => "unknown",
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Read => "read",
            Status::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// How far along a message is: a report that does not move it forward
    /// is not made (a "delivered" webhook arriving after "read" changes
    /// nothing). A failure is final, whatever came before it.
    pub fn rank(self) -> u8 {
        match self {
            Status::Queued => 0,
            Status::NotSent | Status::Unknown => 1,
            Status::Sent => 2,
            Status::Delivered => 3,
            Status::Read => 4,
            Status::Failed => 5,
        }
    }
}

/// One variable's value as the customer reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    /// Rupees, grouped in lakhs and crores, two decimals (no ₹: the
    /// template has it, as DLT wants fixed text around a variable).
    Money(Decimal),
    /// DD-MM-YYYY.
    Date(Date),
}

impl Value {
    pub fn shown(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Money(d) => format_inr(*d),
            Value::Date(d) => d.to_indian(),
        }
    }
}

/// The longest value an Indian SMS gateway takes in one `{#var#}` slot of
/// a DLT-registered template.
pub const DLT_VAR_MAX: usize = 30;

/// The positions `{{n}}` in `text`, in order of appearance. Refuses a
/// number out of 1..=`count`, a variable left unused, or a brace that opens
/// no variable, naming it: a template with any of these would send a
/// message with a hole or a stray brace in it.
pub fn placeholders(text: &str, count: usize) -> Result<Vec<usize>, CoreError> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| CoreError::invalid("template", "a `{{` is never closed"))?;
        let n: usize = after[..end].trim().parse().map_err(|_| {
            CoreError::invalid(
                "template",
                format!("`{{{{{}}}}}` is not a numbered variable", &after[..end]),
            )
        })?;
        if n == 0 || n > count {
            return Err(CoreError::invalid(
                "template",
                format!("{{{{{n}}}}}: this message has variables 1 to {count}"),
            ));
        }
        out.push(n);
        rest = &after[end + 2..];
    }
    for n in 1..=count {
        if !out.contains(&n) {
            return Err(CoreError::invalid(
                "template",
                format!("{{{{{n}}}}} is never used"),
            ));
        }
    }
    Ok(out)
}

/// The message as the customer reads it: each `{{n}}` replaced by the n-th
/// value (a WhatsApp preview, an email, the click-to-chat text).
pub fn render(text: &str, values: &[Value]) -> Result<String, CoreError> {
    placeholders(text, values.len())?;
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find("}}").expect("checked by placeholders");
        let n: usize = after[..end]
            .trim()
            .parse()
            .expect("checked by placeholders");
        out.push_str(&values[n - 1].shown());
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A WhatsApp template message's body parameters: each value as text, in
/// the order its `{{n}}` counts (1, 2, ...), as the Cloud API takes them.
pub fn whatsapp_parameters(values: &[Value]) -> Vec<String> {
    values
        .iter()
        .map(|v| {
            // The Cloud API refuses a parameter with a newline, a tab or
            // more than four spaces in a row.
            let s = v.shown().replace(['\n', '\t'], " ");
            let mut out = String::with_capacity(s.len());
            let mut spaces = 0;
            for c in s.chars() {
                spaces = if c == ' ' { spaces + 1 } else { 0 };
                if spaces <= 1 {
                    out.push(c);
                }
            }
            out
        })
        .collect()
}

/// The text an SMS gateway sends under a DLT-registered template: `registered`
/// is the text as registered, with a `{#var#}` for each variable, in the
/// order of `values`. Refuses a count that does not match and a value longer
/// than a slot takes ([`DLT_VAR_MAX`]), naming it: the operator would drop
/// such a message as not matching its template.
pub fn dlt_text(registered: &str, values: &[Value]) -> Result<String, CoreError> {
    let slots = registered.matches("{#var#}").count();
    if slots != values.len() {
        return Err(CoreError::invalid(
            "dlt_template",
            format!(
                "the registered text has {slots} {{#var#}} slots; this message has {} values",
                values.len()
            ),
        ));
    }
    let mut out = String::with_capacity(registered.len() + 64);
    let mut parts = registered.split("{#var#}");
    out.push_str(parts.next().unwrap_or_default());
    for (i, (part, v)) in parts.zip(values).enumerate() {
        let s = v.shown();
        if s.chars().count() > DLT_VAR_MAX {
            return Err(CoreError::invalid(
                "dlt_template",
                format!(
                    "value {} is {} characters; a DLT variable takes at most {DLT_VAR_MAX}",
                    i + 1,
                    s.chars().count()
                ),
            ));
        }
        out.push_str(&s);
        out.push_str(part);
    }
    Ok(out)
}

/// An Indian mobile number as WhatsApp and SMS gateways take it: `91` and
/// the ten digits (a leading `+91`, `91` or `0`, spaces and dashes allowed
/// in what is given). Refuses anything else, naming the rule.
pub fn mobile_e164(mobile: &str) -> Result<String, CoreError> {
    let digits: String = mobile
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '+'))
        .collect();
    let ten = match digits.len() {
        10 => digits.as_str(),
        11 if digits.starts_with('0') => &digits[1..],
        12 if digits.starts_with("91") => &digits[2..],
        _ => "",
    };
    if ten.len() == 10
        && ten.chars().all(|c| c.is_ascii_digit())
        && matches!(ten.as_bytes()[0], b'6'..=b'9')
    {
        Ok(format!("91{ten}"))
    } else {
        Err(CoreError::invalid(
            "mobile",
            format!("`{mobile}` is not an Indian mobile number (ten digits, from 6 to 9 first)"),
        ))
    }
}

/// A WhatsApp click-to-chat link that opens a chat with `mobile` with
/// `text` typed in: what a shop with no WhatsApp Business account sends
/// from the counter, with one click.
pub fn click_to_chat(mobile: &str, text: &str) -> Result<String, CoreError> {
    Ok(format!(
        "https://wa.me/{}?text={}",
        mobile_e164(mobile)?,
        percent_encode(text)
    ))
}

/// `s` with everything but RFC 3986's unreserved characters percent-encoded,
/// byte by byte of its UTF-8.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn ready_values() -> Vec<Value> {
        vec![
            Value::Text("Asha Rao".into()),
            Value::Text("BLR1-2-00017".into()),
            Value::Text("4821".into()),
            Value::Text("Jayanagar Laptop Care".into()),
        ]
    }

    #[test]
    fn every_built_in_text_uses_each_variable_of_its_event() {
        for e in Event::ALL {
            for l in Language::ALL {
                let t = default_text(e, l);
                let used = placeholders(t, e.variables().len())
                    .unwrap_or_else(|err| panic!("{e:?} in {l:?}: {err}"));
                assert_eq!(used.len(), e.variables().len(), "{e:?} in {l:?}");
            }
        }
    }

    #[test]
    fn a_message_reads_in_each_language_with_indian_money_and_dates() {
        let estimate = [
            Value::Text("Asha Rao".into()),
            Value::Text("BLR1-2-00017".into()),
            Value::Money(d("123456.5")),
            Value::Text("https://hub.example/c/abc".into()),
        ];
        assert_eq!(
            render(
                default_text(Event::EstimateShared, Language::English),
                &estimate
            )
            .unwrap(),
            "Dear Asha Rao, the estimate for job BLR1-2-00017 is ₹1,23,456.50. See it and approve or decline here: https://hub.example/c/abc"
        );
        assert_eq!(
            render(
                default_text(Event::EstimateShared, Language::Hindi),
                &estimate
            )
            .unwrap(),
            "प्रिय Asha Rao, जॉब BLR1-2-00017 का अनुमान ₹1,23,456.50 है। यहाँ देखें और स्वीकृत या अस्वीकार करें: https://hub.example/c/abc"
        );
        let paid = [
            Value::Text("Asha Rao".into()),
            Value::Money(d("10000000")),
            Value::Text("BLR1/26-27/0042".into()),
            Value::Date(Date::new(2026, 12, 7).unwrap()),
        ];
        assert_eq!(
            render(
                default_text(Event::PaymentReceived, Language::Kannada),
                &paid
            )
            .unwrap(),
            "ಆತ್ಮೀಯ Asha Rao, ಬಿಲ್ BLR1/26-27/0042 ಗೆ ₹1,00,00,000.00 ಪಾವತಿ 07-12-2026 ರಂದು ತಲುಪಿದೆ. ಧನ್ಯವಾದಗಳು!"
        );
        assert_eq!(
            render(
                default_text(Event::JobReady, Language::Tamil),
                &ready_values()
            )
            .unwrap(),
            "அன்புள்ள Asha Rao, உங்கள் வேலை BLR1-2-00017 பெற்றுக்கொள்ள தயாராக உள்ளது. பெறும்போது கவுண்டரில் OTP 4821 சொல்லவும். - Jayanagar Laptop Care"
        );
    }

    #[test]
    fn a_template_with_a_hole_or_a_stray_variable_is_refused_naming_it() {
        let e = render("Dear {{1}}, job {{3}}", &ready_values()[..3]).unwrap_err();
        assert!(e.to_string().contains("{{2}} is never used"), "{e}");
        let e = render("Dear {{1}} {{2}} {{5}}", &ready_values()[..2]).unwrap_err();
        assert!(e.to_string().contains("variables 1 to 2"), "{e}");
        let e = render("Dear {{name}}", &[]).unwrap_err();
        assert!(e.to_string().contains("not a numbered variable"), "{e}");
        let e = render("Dear {{1", &ready_values()[..1]).unwrap_err();
        assert!(e.to_string().contains("never closed"), "{e}");
    }

    #[test]
    fn dlt_text_fills_the_registered_slots_and_keeps_each_within_its_limit() {
        let registered = "Dear {#var#}, your job {#var#} is ready. OTP {#var#}. -{#var#} JLCARE";
        assert_eq!(
            dlt_text(registered, &ready_values()).unwrap(),
            "Dear Asha Rao, your job BLR1-2-00017 is ready. OTP 4821. -Jayanagar Laptop Care JLCARE"
        );
        let e = dlt_text(registered, &ready_values()[..3]).unwrap_err();
        assert!(e.to_string().contains("4 {#var#} slots"), "{e}");
        let mut long = ready_values();
        long[3] = Value::Text("Jayanagar Laptop and Desktop Care Centre".into());
        let e = dlt_text(registered, &long).unwrap_err();
        assert!(e.to_string().contains("value 4 is 40 characters"), "{e}");
    }

    #[test]
    fn whatsapp_parameters_are_single_line_text() {
        let p = whatsapp_parameters(&[
            Value::Text("Asha\nRao".into()),
            Value::Money(d("2950")),
            Value::Text("a     b".into()),
        ]);
        assert_eq!(p, vec!["Asha Rao", "2,950.00", "a b"]);
    }

    #[test]
    fn click_to_chat_opens_the_customers_number_with_the_text_typed_in() {
        assert_eq!(
            click_to_chat("+91 98450-12345", "Job ready: ₹2,950 & OTP 4821").unwrap(),
            "https://wa.me/919845012345?text=Job%20ready%3A%20%E2%82%B92%2C950%20%26%20OTP%204821"
        );
        assert_eq!(mobile_e164("09845012345").unwrap(), "919845012345");
        for bad in ["12345", "5845012345", "98450123456", "98450abcde"] {
            let e = mobile_e164(bad).unwrap_err();
            assert!(e.to_string().contains("mobile"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_branch_state_chooses_its_language() {
        assert_eq!(Language::of_state("29"), Some(Language::Kannada));
        assert_eq!(Language::of_state("33"), Some(Language::Tamil));
        assert_eq!(Language::of_state("07"), Some(Language::Hindi));
        assert_eq!(Language::of_state("27"), None);
        for l in Language::ALL {
            assert_eq!(Language::parse(l.code()), Some(l));
        }
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(e));
        }
    }
}
